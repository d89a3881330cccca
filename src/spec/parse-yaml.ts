// Spec text → one YAML document and its plain value, refusing hostile input before anything
// recursive runs: a size bound, one document only, a nesting bound (checked on the parser's
// token tree with an explicit stack) and a bound on what aliases expand to. Each refusal is a
// diagnostic with a position, like any other spec problem.

import { Composer, isAlias, isCollection, isPair, isScalar, Parser, visit, type Alias, type CST, type Document, type Node } from "yaml";
import type { Diagnostic } from "./diagnostics.js";

/**
 * A spec of 1000 hosts is about 100 KiB (and etcd advises at most 7 members): 1 MiB leaves room for
 * comments, and the yaml library parses it in about a second even on a loaded machine (~1 MB/s).
 */
export const MAX_SPEC_BYTES = 2 ** 20;
/** A spec nests about 5 deep; past this the text is not a spec, and recursive readers would run out of stack. */
export const MAX_NESTING_DEPTH = 64;
/** Keys, values and list entries: bounds the work (and the problems) of every later step. */
export const MAX_VALUES = 100_000;
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
  const { tooDeep, tooMany, oddKey, hasAliases } = scanTokens(tokens);
  if (tooDeep !== undefined)
    return { ok: false, diagnostics: [error(tooDeep, `nested more than ${MAX_NESTING_DEPTH} levels deep here: a spec nests only a few levels (hosts → host → network)`)] };
  if (oddKey !== undefined)
    return { ok: false, diagnostics: [error(oddKey, "a key here is a list, a mapping or an alias: every key in a spec is a plain field name")] };
  if (tooMany !== undefined)
    return { ok: false, diagnostics: [error(tooMany, `the spec holds more than ${MAX_VALUES} values (keys, values and list entries) by here; a 1000-host spec holds about 10000: is this the right file?`)] };

  // prettyErrors off: the library's own excerpt copies the whole line for every error.
  // logLevel error: no library warning on stderr (e.g. an aliased collection as a key, stringified).
  // uniqueKeys off: the library compares each key with every earlier one; repeatedKeys does it in one pass.
  const composer = new Composer({ uniqueKeys: false, prettyErrors: false, logLevel: "error" });
  const [document] = Array.from(composer.compose(tokens, true, text.length));
  if (!document) throw new Error("the YAML composer returned no document for a forced one");
  if (document.errors.length > 0)
    return { ok: false, document, diagnostics: document.errors.map((e) => error(e.pos[0], `YAML: ${e.message.split("\n")[0]}`)) };

  const repeated = repeatedKeys(document);
  if (repeated.length > 0) return { ok: false, document, diagnostics: repeated };
  const bomb = hasAliases ? aliasBomb(document) : undefined;
  if (bomb) return { ok: false, document, diagnostics: [bomb] };
  try {
    // The library's own alias guard is off (-1): it refuses any anchor used more than 100 times (one
    // network block shared by 101 hosts), and aliasBomb has bounded what aliases expand to already.
    return { ok: true, document, value: document.toJS({ maxAliasCount: -1 }) };
  } catch (cause) {
    // Alias resolution is the one part of toJS that throws (ReferenceError) on input: it names no position.
    if (!(cause instanceof ReferenceError)) throw cause;
    return { ok: false, document, diagnostics: [error(firstAliasOffset(document), `YAML: ${cause.message}`)] };
  }
}

function mebibytes(bytes: number): string {
  return `${(bytes / 2 ** 20).toFixed(1)} MiB`;
}

/** Keys that cannot be a field name: a list, a mapping, or an alias (which may stand for either). */
const NOT_A_FIELD_NAME = new Set<string>(["block-map", "block-seq", "flow-collection", "alias"]);

/**
 * What the token tree holds that needs a closer look: the first token (in document order) nested
 * deeper than allowed or past the value count, and whether any alias occurs. Walked with an
 * explicit stack, not recursion, children pushed last-first so they come off in document order.
 */
function scanTokens(tokens: CST.Token[]): { tooDeep?: number; tooMany?: number; oddKey?: number; hasAliases: boolean } {
  const stack: { token: CST.Token; depth: number }[] = tokens.map((token) => ({ token, depth: 0 })).reverse();
  let hasAliases = false;
  let values = 0;
  for (let next = stack.pop(); next; next = stack.pop()) {
    const { token, depth } = next;
    if (depth > MAX_NESTING_DEPTH) return { tooDeep: token.offset, hasAliases };
    if (token.type === "document") {
      if (token.value) stack.push({ token: token.value, depth });
      continue;
    }
    if (++values > MAX_VALUES) return { tooMany: token.offset, hasAliases };
    if (token.type === "alias") hasAliases = true;
    else if (token.type === "block-map" || token.type === "block-seq" || token.type === "flow-collection")
      for (let i = token.items.length - 1; i >= 0; i--) {
        const item = token.items[i];
        if (item?.value) stack.push({ token: item.value, depth: depth + 1 });
        if (item?.key && NOT_A_FIELD_NAME.has(item.key.type)) return { oddKey: item.key.offset, hasAliases };
        if (item?.key) stack.push({ token: item.key, depth: depth + 1 });
      }
  }
  return { hasAliases };
}

/**
 * Each key given twice in one mapping, at its second place. Keys are compared as the property
 * names they become (1 and "1" are one key), with a set per mapping. Depth is bounded: visit may recurse.
 */
function repeatedKeys(document: Document): Diagnostic[] {
  const problems: Diagnostic[] = [];
  visit(document, {
    Map(_key, map) {
      const seen = new Set<string>();
      for (const pair of map.items) {
        if (!isScalar(pair.key)) continue;
        const name = String(pair.key.value);
        if (!seen.has(name)) seen.add(name);
        else problems.push(error(pair.key.range?.[0] ?? 0, `YAML: Map keys must be unique: ${JSON.stringify(name)} is given earlier in this mapping; remove one`));
      }
      return undefined;
    },
  });
  return problems;
}

function aliasError(offset: number, why: string): Diagnostic {
  return error(offset, `${why}: write the values out, or share fewer of them`);
}

/**
 * The first alias that names no anchor before it, or past which aliases are too many (the yaml
 * library resolves each one by a scan over all of them), or at which the values they add pass MAX_ALIAS_EXPANSION, counting each alias as the
 * size of what it stands for, aliases inside included. One pass in document order, where an
 * anchor always comes before its aliases; depth is bounded already, so the size count may recurse.
 */
function aliasBomb(document: Document): Diagnostic | undefined {
  const anchored = new Map<string, Node>();
  // Each alias's target as it stood where the alias is (an anchor name may be given again later).
  const targets = new Map<Alias, Node>();
  const sizes = new Map<Node, number>();
  const counting = new Set<Node>();
  const sizeOf = (node: unknown): number => {
    if (isAlias(node)) {
      const target = targets.get(node);
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
      const target = anchored.get(node.source);
      if (target) targets.set(node, target);
      if (!target) found = error(at, `the alias *${node.source} names no anchor before it: write &${node.source} on the value it stands for, above this line`);
      else if (++aliases > MAX_ALIASES) found = aliasError(at, `more than ${MAX_ALIASES} aliases (*name)`);
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
