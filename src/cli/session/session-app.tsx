import { Box, Static, Text, useApp, useInput, useStdout } from "ink";
import { memo, useEffect, useLayoutEffect, useMemo, useSyncExternalStore } from "react";
import { ApprovalPrompt } from "./approval-prompt.js";
import { InputBox } from "./input-box.js";
import { LiveArea } from "./live-area.js";
import type { SessionController } from "./session-controller.js";
import { SessionPicker } from "./session-picker.js";
import { StatusLine } from "./status-line.js";
import type { OutputChunk } from "./view-store.js";

/**
 * The session's screen: finished output written once above (it scrolls up like any terminal output:
 * through Ink's static-output writer, or <Static> in "static" mode), and under it the only part React
 * redraws: the live line, an approval question or a picker, the input box and the status line.
 */

/** Hands each frame's finished output to <Static> once; a new key per batch keeps Static's list short. */
const StaticOutput = memo(function StaticOutput({ chunks, onWritten }: { chunks: readonly OutputChunk[]; onWritten: (lastId: number) => void }) {
  const first = chunks[0]?.id;
  const last = chunks.at(-1)?.id;
  useLayoutEffect(() => {
    if (last !== undefined) onWritten(last);
  }, [last, onWritten]);
  if (first === undefined) return null;
  return (
    <Static key={first} items={chunks as OutputChunk[]}>
      {(chunk) => <Text key={chunk.id}>{chunk.text}</Text>}
    </Static>
  );
});

/** The naive path, for the benchmark: every finished line stays in the redrawn part of the screen. */
function AllOutput({ chunks }: { chunks: readonly OutputChunk[] }) {
  return (
    <Box flexDirection="column">
      {chunks.map((chunk) => (
        <Text key={chunk.id}>{chunk.text}</Text>
      ))}
    </Box>
  );
}

export function SessionApp({ controller }: { controller: SessionController }) {
  const { view: store } = controller;
  const view = useSyncExternalStore(store.subscribe, store.getSnapshot);
  const { exit } = useApp();
  const { stdout, write } = useStdout();
  const rows = stdout.rows || 24;
  useLayoutEffect(() => (store.mode === "batched" ? store.attachWriter(write) : undefined), [store, write]);
  useEffect(() => controller.onExit(() => exit()), [controller, exit]);
  const callbacks = useMemo(
    () => ({
      submit: (text: string, how: "send" | "queue") => controller.submit(text, how),
      draft: (text: string) => controller.draftChanged(text),
      history: () => controller.history(),
      exit: () => controller.exit(),
    }),
    [controller],
  );
  useInput((input, key) => {
    if (key.escape && !view.picker) controller.interrupt();
    else if (key.ctrl && input === "c") controller.ctrlC();
  });
  const running = view.status.state !== "idle";
  return (
    <Box flexDirection="column">
      {store.mode === "naive" ? <AllOutput chunks={view.all} /> : null}
      {store.mode === "static" ? <StaticOutput chunks={view.unwritten} onWritten={store.written} /> : null}
      <LiveArea tail={view.tail} activity={view.activity} queued={view.queued} />
      {view.approval ? <ApprovalPrompt approval={view.approval} /> : null}
      {view.picker ? <SessionPicker picker={view.picker} rows={rows} /> : null}
      <InputBox
        active={!view.approval && !view.picker}
        running={running}
        restore={view.inputRestore}
        history={callbacks.history}
        onSubmit={callbacks.submit}
        onDraft={callbacks.draft}
        onExitRequest={callbacks.exit}
        maxLines={Math.max(3, Math.floor(rows / 4))}
      />
      <StatusLine status={view.status} />
    </Box>
  );
}
