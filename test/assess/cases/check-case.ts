import type { AssessmentInput } from '../../../src/assess/input.ts';

/** One check's behaviour: a snapshot that makes it fire (with the exact fingerprints), and one where it stays quiet. */
export interface CheckCase {
  readonly id: string;
  readonly fires: AssessmentInput;
  /** Every finding it must report on `fires`, by fingerprint, no more. */
  readonly fingerprints: readonly string[];
  /** Data it examines (examined > 0) and finds nothing wrong with. */
  readonly quiet: AssessmentInput;
  /** Words each finding message on `fires` contains, in order of fingerprint (optional). */
  readonly messages?: readonly string[];
}
