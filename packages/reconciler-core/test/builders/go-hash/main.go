// Command go-hash computes Kaito's Workspace hash the way Kaito's controller does: three json.Encoder.Encode calls
// (resource, inference, tuning) into one sha256, hex-encoded. The structs mirror Kaito's api/v1beta1 field order and
// JSON tags (written for kaito-ts from the field list; schemaless subtrees are maps). It reads a JSON array of
// Workspaces on stdin and prints one hash per line. Used by test/builders/hash.test.ts.
package main

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
)

type labelSelectorRequirement struct {
	Key      string   `json:"key"`
	Operator string   `json:"operator"`
	Values   []string `json:"values,omitempty"`
}

type labelSelector struct {
	MatchLabels      map[string]string          `json:"matchLabels,omitempty"`
	MatchExpressions []labelSelectorRequirement `json:"matchExpressions,omitempty"`
}

type partition struct {
	Mode    string `json:"mode"`
	Profile string `json:"profile"`
	Count   int    `json:"count,omitempty"`
}

type resourceSpec struct {
	Count          *int           `json:"count,omitempty"`
	InstanceType   string         `json:"instanceType,omitempty"`
	LabelSelector  *labelSelector `json:"labelSelector"`
	PreferredNodes []string       `json:"preferredNodes,omitempty"`
	Partition      *partition     `json:"partition,omitempty"`
}

type presetMeta struct {
	Name       string `json:"name"`
	AccessMode string `json:"accessMode,omitempty"`
}

type presetOptions struct {
	Image             string   `json:"image,omitempty"`
	ImagePullSecrets  []string `json:"imagePullSecrets,omitempty"`
	ModelAccessSecret string   `json:"modelAccessSecret,omitempty"`
}

type presetSpec struct {
	presetMeta    `json:",inline"`
	PresetOptions presetOptions `json:"presetOptions,omitempty"`
}

type dataSource struct {
	Name             string         `json:"name,omitempty"`
	URLs             []string       `json:"urls,omitempty"`
	Volume           map[string]any `json:"volumeSource,omitempty"`
	Image            string         `json:"image,omitempty"`
	ImagePullSecrets []string       `json:"imagePullSecrets,omitempty"`
}

type dataDestination struct {
	Volume          map[string]any `json:"volumeSource,omitempty"`
	Image           string         `json:"image,omitempty"`
	ImagePushSecret string         `json:"imagePushSecret,omitempty"`
}

type adapterSpec struct {
	Source   *dataSource `json:"source,omitempty"`
	Strength *string     `json:"strength,omitempty"`
}

type inferenceSpec struct {
	Preset   *presetSpec    `json:"preset,omitempty"`
	Template map[string]any `json:"template,omitempty"`
	Config   string         `json:"config,omitempty"`
	Adapters []adapterSpec  `json:"adapters,omitempty"`
}

type tuningSpec struct {
	Preset *presetSpec      `json:"preset,omitempty"`
	Method string           `json:"method,omitempty"`
	Config string           `json:"config,omitempty"`
	Input  *dataSource      `json:"input"`
	Output *dataDestination `json:"output"`
}

type workspace struct {
	Resource  resourceSpec   `json:"resource,omitempty"`
	Inference *inferenceSpec `json:"inference,omitempty"`
	Tuning    *tuningSpec    `json:"tuning,omitempty"`
}

func main() {
	var list []workspace
	if err := json.NewDecoder(os.Stdin).Decode(&list); err != nil {
		fmt.Fprintln(os.Stderr, "go-hash:", err)
		os.Exit(1)
	}
	for _, w := range list {
		h := sha256.New()
		enc := json.NewEncoder(h)
		_ = enc.Encode(w.Resource)
		_ = enc.Encode(w.Inference)
		_ = enc.Encode(w.Tuning)
		fmt.Println(hex.EncodeToString(h.Sum(nil)))
	}
}
