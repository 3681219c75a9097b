/**
 * Imported first by the session, before Ink and React load: React picks its build when it is first
 * required, and without NODE_ENV it takes the development build, several times slower per frame (it
 * checks and records every render). A user's own NODE_ENV is kept.
 */
process.env.NODE_ENV ??= "production";

export {};
