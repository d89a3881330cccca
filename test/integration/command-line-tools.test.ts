// What a newcomer reaches for besides build: --version, the spec's JSON Schema, and shell
// completion in bash, zsh and fish, each run in the real shell.

import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { copyFile, mkdir, readFile, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, test } from "node:test";
import { promisify } from "node:util";
import { commandWords } from "../../src/cli/command-words.js";
import { HELP } from "../../src/cli/help.js";
import { requirePrerequisites } from "../harness/prerequisites.js";
import { REPO, runCli, tempDir } from "../support.js";

const run = promisify(execFile);
const PACKAGE_VERSION = (JSON.parse(await readFile(join(REPO, "package.json"), "utf8")) as { version: string }).version;

describe("etcdboot version", () => {
  for (const argv of [["--version"], ["-V"], ["version"]])
    test(argv.join(" "), async () => {
      const result = await runCli(argv);
      assert.equal(result.code, 0);
      assert.equal(result.out, `etcdboot ${PACKAGE_VERSION}\netcd releases: 3.4.x, 3.5.x, 3.6.x, 3.7.x (default 3.6.14)\nNode.js ${process.version}`);
    });
});

describe("etcdboot schema", () => {
  test("prints the shipped schema", async () => {
    const result = await runCli(["schema"]);
    assert.equal(result.code, 0);
    assert.equal(`${result.out}\n`, await readFile(join(REPO, "schema", "etcdboot-v1alpha1.json"), "utf8"));
    assert.equal((await runCli(["schema", "extra"])).code, 2);
  });
});

/** A folder with cluster.yaml (hosts etcd-1..3) and a PATH on which `etcdboot` is this checkout. */
async function completionSetting(): Promise<{ cwd: string; env: NodeJS.ProcessEnv }> {
  const dir = await tempDir("completion");
  await mkdir(join(dir, "bin"));
  await symlink(join(REPO, "bin", "etcdboot.js"), join(dir, "bin", "etcdboot"));
  await copyFile(join(REPO, "profiles", "examples", "three-vms.yaml"), join(dir, "cluster.yaml"));
  await writeFile(join(dir, "other.yaml"), "apiVersion: etcdboot/v1alpha1\ncluster: {name: o}\nhosts:\n  - {name: far-1, address: 10.9.0.1}\n  - {name: Bad_Name, address: 10.9.0.2}\n");
  return { cwd: dir, env: { ...process.env, PATH: `${join(dir, "bin")}:${process.env["PATH"] ?? ""}` } };
}

async function script(shell: string): Promise<string> {
  const result = await runCli(["completion", shell]);
  assert.equal(result.code, 0, result.err);
  return `${result.out}\n`;
}

/** Calls the bash completion function as bash would for `line` (the cursor on word `cword`). */
async function bashComplete(setting: { cwd: string; env: NodeJS.ProcessEnv }, words: string[], cword = words.length - 1): Promise<string[]> {
  const program = `source "$1"; shift; COMP_CWORD=$1; shift; COMP_WORDS=("$@"); _etcdboot; printf '%s\\n' "\${COMPREPLY[@]}"`;
  const file = join(setting.cwd, "etcdboot.bash");
  await writeFile(file, await script("bash"));
  const { stdout } = await run("bash", ["-c", program, "bash", file, String(cword), ...words], setting);
  return stdout.split("\n").filter((line) => line !== "").sort();
}

describe("etcdboot completion", () => {
  test("the words come from the help texts, and every command and option there is accepted", async () => {
    const commands = commandWords(HELP);
    assert.deepEqual(commands.map((c) => c.name).sort(), ["build", "certs", "completion", "image", "init", "members", "pin", "plan", "restore", "schema", "snapshot", "status", "version"]);
    assert.deepEqual(commands.find((c) => c.name === "members")?.actions, ["add", "promote", "remove", "update"]);
    assert.equal(commands.find((c) => c.name === "members")?.afterAction, "HOST");
    assert.deepEqual(commands.find((c) => c.name === "snapshot")?.options.find((o) => o.name === "-o"), { name: "-o", value: "FILE" });
    for (const command of commands) {
      for (const option of command.options) {
        const argv = [command.name, option.name, ...(option.value === undefined ? [] : ["x"]), "--help"];
        const result = await runCli(argv);
        assert.equal(result.code, 0, `${argv.join(" ")}: ${result.err}`);
      }
    }
    assert.ok(commands.find((c) => c.name === "build")?.options.some((o) => o.name === "--out" && o.value === "DIR"));
  });

  test("an unknown shell is a usage error", async () => {
    const result = await runCli(["completion", "tcsh"]);
    assert.equal(result.code, 2);
    assert.match(result.err, /no completion for shell "tcsh": use one of bash, zsh, fish/);
  });

  test("bash: commands, actions, options, option values and the spec's host names", async (t) => {
    if (!requirePrerequisites(t, { commands: ["bash"] })) return;
    const setting = await completionSetting();
    assert.deepEqual(await bashComplete(setting, ["etcdboot", "p"]), ["pin", "plan"]);
    assert.deepEqual(await bashComplete(setting, ["etcdboot", "members", ""]), ["add", "promote", "remove", "update"]);
    assert.deepEqual(await bashComplete(setting, ["etcdboot", "members", "--pki", "x", "re"]), ["remove"]);
    assert.deepEqual(await bashComplete(setting, ["etcdboot", "members", "add", ""]), ["etcd-1", "etcd-2", "etcd-3"]);
    // The spec named later on the line; a name that is not a valid host name is never offered.
    assert.deepEqual(await bashComplete(setting, ["etcdboot", "members", "remove", "", "other.yaml"], 3), ["far-1"]);
    assert.deepEqual(await bashComplete(setting, ["etcdboot", "snapshot", "save", "--member", "etcd-"]), ["etcd-1", "etcd-2", "etcd-3"]);
    assert.deepEqual(await bashComplete(setting, ["etcdboot", "build", "--o"]), ["--offline", "--out"]);
    assert.deepEqual(await bashComplete(setting, ["etcdboot", "build", "--out", "oth"]), ["other.yaml"]);
    assert.deepEqual(await bashComplete(setting, ["etcdboot", "build", "clu"]), ["cluster.yaml"]);
    assert.deepEqual(await bashComplete(setting, ["etcdboot", "completion", ""]), ["bash", "fish", "zsh"]);
  });

  test("zsh: the script loads, and completes through bashcompinit", async (t) => {
    if (!requirePrerequisites(t, { commands: ["zsh"] })) return;
    const setting = await completionSetting();
    const file = join(setting.cwd, "etcdboot.zsh");
    await writeFile(file, await script("zsh"));
    await run("zsh", ["-n", file]);
    const program = `source "$1"; setopt ksharrays; COMP_WORDS=(etcdboot members add ""); COMP_CWORD=3; _etcdboot; print -rl -- "\${COMPREPLY[@]}"`;
    const { stdout } = await run("zsh", ["-f", "-c", program, "zsh", file], setting);
    assert.deepEqual(stdout.trim().split("\n").sort(), ["etcd-1", "etcd-2", "etcd-3"]);
  });

  test("fish: the script loads, and fish's own completer offers the words", async (t) => {
    if (!requirePrerequisites(t, { commands: ["fish"] })) return;
    const setting = await completionSetting();
    const file = join(setting.cwd, "etcdboot.fish");
    await writeFile(file, await script("fish"));
    await run("fish", ["--no-config", "-n", file]);
    const complete = async (line: string) => {
      const { stdout } = await run("fish", ["--no-config", "-c", `source $argv[1]; complete -C $argv[2]`, file, line], setting);
      return stdout.split("\n").filter((l) => l !== "").map((l) => l.split("\t")[0] ?? "").sort();
    };
    assert.deepEqual(await complete("etcdboot members "), ["add", "promote", "remove", "update"]);
    // After the action: the spec's hosts (and files, for the SPEC that may follow).
    assert.deepEqual((await complete("etcdboot members add ")).filter((w) => w.startsWith("etcd-")), ["etcd-1", "etcd-2", "etcd-3"]);
    assert.ok((await complete("etcdboot b")).includes("build"));
    assert.deepEqual(await complete("etcdboot build --o"), ["--offline", "--out"]);
    assert.deepEqual(await complete("etcdboot snapshot save --member "), ["etcd-1", "etcd-2", "etcd-3"]);
    assert.deepEqual(await complete("etcdboot completion "), ["bash", "fish", "zsh"]);
  });
});
