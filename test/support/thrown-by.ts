/**
 * What `action` throws, when it is a `type`: tests then assert on its code and message. Anything else
 * thrown propagates as it is, and an action that does not throw fails the test.
 */
export function thrownBy<E extends Error>(type: abstract new (...args: never[]) => E, action: () => unknown): E {
  try {
    action();
  } catch (error) {
    if (error instanceof type) return error;
    throw error;
  }
  throw new Error(`expected a ${type.name}`);
}
