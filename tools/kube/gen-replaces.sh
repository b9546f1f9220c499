#!/bin/sh
# Prints the `replace` block tools/kube/go.mod needs for k8s.io/kubernetes at the version it requires:
# k8s.io/kubernetes points its staging modules (k8s.io/api, k8s.io/client-go, …) at ./staging, which a module that
# depends on it cannot use; each must be replaced by its published v0.<minor>.<patch> version (the sample-*
# modules are left out: nothing here builds them).
#   tools/kube/gen-replaces.sh            # the version required in go.mod
#   tools/kube/gen-replaces.sh v1.38.0    # another version (then: go get k8s.io/kubernetes@v1.38.0, paste, go mod tidy)
set -eu
cd "$(dirname "$0")"
version="${1:-$(awk '$1 == "k8s.io/kubernetes" { print $2; exit }' go.mod)}"
staging="v0.${version#v1.}"
gomod="$(GOFLAGS=-mod=mod go mod download -json "k8s.io/kubernetes@$version" | sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",*$/\1/p')"
echo "replace ("
sed -n 's#^[[:space:]]*\(k8s\.io/[a-z0-9-]*\) => \./staging/src/.*#\1#p' "$gomod" | sort -u | grep -v '^k8s.io/sample-' |
  while read -r m; do printf '\t%s => %s %s\n' "$m" "$m" "$staging"; done
echo ")"
