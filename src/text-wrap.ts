// Long lines for people, folded to a width at spaces: the first line as it starts, the rest
// under a hanging indent. A word longer than the room is left whole rather than cut.

export function wrapText(text: string, width: number, firstPrefix: string, restPrefix: string): string[] {
  const lines: string[] = [];
  let line = firstPrefix;
  let empty = true;
  for (const word of text.split(" ")) {
    if (!empty && [...line].length + 1 + [...word].length > width) {
      lines.push(line);
      line = restPrefix + word;
    } else line += (empty ? "" : " ") + word;
    empty = false;
  }
  lines.push(line);
  return lines;
}
