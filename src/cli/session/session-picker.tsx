import { Box, Text, useInput } from "ink";
import { useState } from "react";
import type { PickerView } from "./view-store.js";

/** A list to choose from with the arrows (the saved sessions, for /resume and `spark resume`). */
export function SessionPicker({ picker, rows }: { picker: PickerView; rows: number }) {
  const [selected, setSelected] = useState(0);
  useInput((_input, key) => {
    if (key.upArrow) setSelected((index) => Math.max(0, index - 1));
    else if (key.downArrow) setSelected((index) => Math.min(picker.items.length - 1, index + 1));
    else if (key.return) {
      const item = picker.items[selected];
      if (item) picker.pick(item.id);
    } else if (key.escape) picker.cancel();
  });
  const visible = Math.max(3, rows - 8);
  const first = Math.min(Math.max(0, selected - Math.floor(visible / 2)), Math.max(0, picker.items.length - visible));
  return (
    <Box flexDirection="column" borderStyle="round" borderColor="cyan" paddingX={1}>
      <Text bold>{picker.title}</Text>
      {picker.items.slice(first, first + visible).map((item, offset) => (
        <Text key={item.id} inverse={first + offset === selected} wrap="truncate-end">
          {`${String(first + offset + 1).padStart(2)}. ${item.label}`}
        </Text>
      ))}
    </Box>
  );
}
