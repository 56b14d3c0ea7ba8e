/** What the pure `check` rules need besides the inputs. */
import type { RandomSuffix } from "./naming.js";

export interface CheckEnv {
  /** The resource's logical name (the base of autonames). */
  readonly name: string;
  /** Location from the provider configuration (`azure:location`), used when the inputs set none. */
  readonly defaultLocation?: string;
  readonly random: RandomSuffix;
}
