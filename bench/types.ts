export interface BenchResult {
  name: string;
  /** The baseline measured in the same run. */
  baseline: number;
  value: number;
  /** value / baseline. */
  ratio: number;
  unit: string;
  /** The target for the ratio, as text (e.g. "≥ 0.70"). */
  target?: string;
  note?: string;
}
