import { Box, Text } from "ink";
import { memo } from "react";

/**
 * The part of the transcript still changing, drawn every frame: the line being written, what is running
 * now, and the messages queued for after the turn. Everything finished is above it, in static output.
 */
export const LiveArea = memo(function LiveArea({ tail, activity, queued }: { tail: string; activity: string | undefined; queued: readonly string[] }) {
  return (
    <Box flexDirection="column">
      {tail === "" ? null : <Text>{tail}</Text>}
      {activity === undefined ? null : (
        <Text color="magenta" wrap="truncate-end">
          … {activity}
        </Text>
      )}
      {queued.slice(0, 3).map((text, index) => (
        <Text key={index} dimColor wrap="truncate-end">
          queued: {text.replace(/\s+/g, " ")}
        </Text>
      ))}
      {queued.length > 3 ? <Text dimColor>… and {queued.length - 3} more queued</Text> : null}
    </Box>
  );
});
