/**
 * Condition and state helpers.
 * @packageDocumentation
 */
export {
  type ConditionUpdate,
  conditionsEqual,
  getCondition,
  isConditionFalse,
  isConditionTrue,
  removeCondition,
  type SetConditionOptions,
  setCondition,
  toKubernetesTime,
  withReconcileError,
} from "./conditions.ts";
export { deriveWorkspaceState, type ObservedTuningJob, type StateInput } from "./state.ts";
