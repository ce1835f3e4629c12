export interface BenchResult {
  name: string;
  /** The baseline measured in the same run. */
  baseline: number;
  value: number;
  /** value / baseline. */
  ratio: number;
  unit: string;
  /** The target for the ratio, as text (e.g. "≥ 0.70"), or for another figure when `met` says whether it was met. */
  target?: string;
  /** Set when the target is not a bound on the ratio (e.g. "growth < 50 MB"). */
  met?: boolean;
  note?: string;
}
