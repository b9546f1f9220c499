/**
 * Not implemented yet: this package is planned in the design (`../shared/design.md`) and filled by a later issue.
 * It exists now so that the workspace, its exports map and its dependency direction are in place.
 *
 * @packageDocumentation
 */
export {};
