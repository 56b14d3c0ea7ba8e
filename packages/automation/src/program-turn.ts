/**
 * Programs run one at a time per process. The SDK reaches the running deployment through one slot
 * on `globalThis` (`setMonitor`), so two `preview`s or `up`s whose programs overlap would declare
 * their resources into each other's deployment. The queue is on `globalThis` too (under a
 * `Symbol.for` key) so that every copy of this package in the process shares it. `destroy` and
 * `refresh` do not run the program and do not queue.
 */
const SLOT = Symbol.for("iac.automation.programTurn");

/**
 * Waits until the program-running operations started before this one in the process are done.
 * @returns whether it had to wait, and the function that ends this operation's turn (call it once)
 */
export async function programTurn(): Promise<{ readonly waited: boolean; readonly release: () => void }> {
  const slot = globalThis as Record<symbol, Promise<void> | undefined>;
  const previous = slot[SLOT];
  let release!: () => void;
  const mine = new Promise<void>((resolve) => (release = resolve));
  const tail = (previous ?? Promise.resolve()).then(() => mine);
  slot[SLOT] = tail;
  if (previous) await previous;
  return {
    waited: previous !== undefined,
    release: () => {
      release();
      if (slot[SLOT] === tail) slot[SLOT] = undefined;
    },
  };
}
