// Spec text → one YAML document and its plain value, refusing hostile input before anything
// recursive runs: a size bound, one document only, a nesting bound (checked on the parser's
// token tree with an explicit stack) and a bound on what aliases expand to. Each refusal is a
// diagnostic with a position, like any other spec problem.

import { Composer, isAlias, isCollection, isPair, Parser, visit, type CST, type Document, type Node } from "yaml";
import type { Diagnostic } from "./diagnostics.js";

/** A spec of 1000 hosts is about 100 KiB: 4 MiB leaves room for comments and never slows a build. */
export const MAX_SPEC_BYTES = 4 * 2 ** 20;
/** A spec nests about 5 deep; past this the text is not a spec, and recursive readers would run out of stack. */
export const MAX_NESTING_DEPTH = 64;
/** Values that aliases may add in all: generous for anchors shared by many hosts, far below an alias bomb. */
export const MAX_ALIAS_EXPANSION = 100_000;
/** Aliases in all: one per host for a shared network block is plenty. */
export const MAX_ALIASES = 5_000;

export type ParsedYaml = { ok: true; document: Document; value: unknown } | { ok: false; diagnostics: Diagnostic[]; document?: Document };

const error = (offset: number, message: string): Diagnostic => ({ severity: "error", path: [], offset, message });

export function parseSpecYaml(text: string, byteLength: number): ParsedYaml {
  if (byteLength > MAX_SPEC_BYTES)
    return { ok: false, diagnostics: [error(0, `the spec is ${mebibytes(byteLength)}, more than the ${mebibytes(MAX_SPEC_BYTES)} etcdboot reads (1000 hosts take about 100 KiB): is this the right file?`)] };

  const tokens = Array.from(new Parser().parse(text));
  const documents = tokens.filter((token) => token.type === "document");
  const second = documents[1];
  if (second)
    return { ok: false, diagnostics: [error(second.offset, "a spec is one YAML document: remove the second one, which starts here (and its --- line)")] };
  const tooDeep = firstTooDeep(tokens);
  if (tooDeep !== undefined)
    return { ok: false, diagnostics: [error(tooDeep, `nested more than ${MAX_NESTING_DEPTH} levels deep here: a spec nests only a few levels (hosts → host → network)`)] };

  // prettyErrors off: the library's own excerpt copies the whole line for every error.
  const [document] = Array.from(new Composer({ uniqueKeys: true, prettyErrors: false }).compose(tokens, true, text.length));
  if (!document) throw new Error("the YAML composer returned no document for a forced one");
  if (document.errors.length > 0)
    return { ok: false, document, diagnostics: document.errors.map((e) => error(e.pos[0], `YAML: ${e.message.split("\n")[0]}`)) };

  const bomb = aliasBomb(document);
  if (bomb) return { ok: false, document, diagnostics: [bomb] };
  try {
    return { ok: true, document, value: document.toJS() };
  } catch (cause) {
    // The library's own guard (repeated nested aliases): it names no position, so point at the first alias.
    if (!(cause instanceof ReferenceError)) throw cause;
    return { ok: false, document, diagnostics: [aliasError(firstAliasOffset(document), `the aliases (*name) expand too far (${cause.message})`)] };
  }
}

function mebibytes(bytes: number): string {
  return `${(bytes / 2 ** 20).toFixed(1)} MiB`;
}

/** The offset of the first token nested deeper than allowed, walking the token tree without recursion. */
function firstTooDeep(tokens: CST.Token[]): number | undefined {
  const stack: { token: CST.Token; depth: number }[] = tokens.map((token) => ({ token, depth: 0 }));
  while (stack.length > 0) {
    const { token, depth } = stack.pop() as { token: CST.Token; depth: number };
    if (depth > MAX_NESTING_DEPTH) return token.offset;
    const children = childTokens(token);
    const childDepth = token.type === "document" ? depth : depth + 1;
    for (const child of children) stack.push({ token: child, depth: childDepth });
  }
  return undefined;
}

function childTokens(token: CST.Token): CST.Token[] {
  switch (token.type) {
    case "document":
      return token.value ? [token.value] : [];
    case "block-map":
    case "block-seq":
    case "flow-collection":
      return token.items.flatMap((item) => [item.key, item.value].filter((t): t is CST.Token => t !== undefined && t !== null));
    default:
      return [];
  }
}

function aliasError(offset: number, why: string): Diagnostic {
  return error(offset, `${why}: write the values out, or share fewer of them`);
}

/**
 * The alias past which aliases are too many (the yaml library resolves each one by a scan over all
 * of them), or at which the values they add pass MAX_ALIAS_EXPANSION, counting each alias as the
 * size of what it stands for, aliases inside included. One pass in document order, where an
 * anchor always comes before its aliases; depth is bounded already, so the size count may recurse.
 */
function aliasBomb(document: Document): Diagnostic | undefined {
  const anchored = new Map<string, Node>();
  const sizes = new Map<Node, number>();
  const counting = new Set<Node>();
  const sizeOf = (node: unknown): number => {
    if (isAlias(node)) {
      const target = anchored.get(node.source);
      return target ? sizeOf(target) : 1;
    }
    if (isPair(node)) return sizeOf(node.key) + sizeOf(node.value);
    if (!isCollection(node)) return 1;
    const cached = sizes.get(node);
    if (cached !== undefined) return cached;
    // An alias inside its own anchor would expand for ever.
    if (counting.has(node)) return Infinity;
    counting.add(node);
    let size = 1;
    for (const item of node.items) {
      size += sizeOf(item);
      if (size > MAX_ALIAS_EXPANSION) break;
    }
    counting.delete(node);
    sizes.set(node, size);
    return size;
  };
  let aliases = 0;
  let added = 0;
  let found: Diagnostic | undefined;
  visit(document, {
    Node(_key, node) {
      if (!isAlias(node)) {
        if (node.anchor) anchored.set(node.anchor, node);
        return undefined;
      }
      const at = node.range?.[0] ?? 0;
      if (++aliases > MAX_ALIASES) found = aliasError(at, `more than ${MAX_ALIASES} aliases (*name)`);
      else if ((added += sizeOf(node)) > MAX_ALIAS_EXPANSION) found = aliasError(at, `the aliases (*name) up to here stand for more than ${MAX_ALIAS_EXPANSION} values`);
      return found ? visit.BREAK : undefined;
    },
  });
  return found;
}

function firstAliasOffset(document: Document): number {
  let offset = 0;
  visit(document, {
    Alias(_key, alias) {
      offset = alias.range?.[0] ?? 0;
      return visit.BREAK;
    },
  });
  return offset;
}
