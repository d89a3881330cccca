// Long lines for people, folded to a width at spaces: the first line as it starts, the rest
// under a hanging indent. A word longer than the room is left whole, or cut into pieces where
// the width is a hard limit (the status table's 80 columns).

const width_ = (text: string) => [...text].length;

export function wrapText(text: string, width: number, firstPrefix: string, restPrefix: string, cutLongWords = false): string[] {
  const lines: string[] = [];
  let line = firstPrefix;
  let empty = true;
  for (const word of text.split(" ")) {
    if (!empty && width_(line) + 1 + width_(word) > width) {
      lines.push(line);
      line = restPrefix + word;
    } else line += (empty ? "" : " ") + word;
    empty = false;
    while (cutLongWords && width_(line) > width) {
      lines.push(line.slice(0, width));
      line = restPrefix + line.slice(width);
    }
  }
  lines.push(line);
  return lines;
}
