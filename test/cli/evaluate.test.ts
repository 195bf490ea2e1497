import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, describe, expect, it } from "vitest";
import { buildCli, runCli, spawnCli } from "../helpers/cli.js";
import {
  canonicalName,
  EXPECTED_ROWS,
  PARITY_MEASURES,
  PARITY_QRELS,
  PARITY_RUN,
} from "../metrics/trec-parity.js";

const QRELS = PARITY_QRELS;
const RUN = PARITY_RUN;
const expectedRows = EXPECTED_ROWS.map((row) => row.join("\t"));
const tmp = mkdtempSync(join(tmpdir(), "evaluate-cli-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
let n = 0;
const file = (content: string | Buffer) => {
  const path = join(tmp, `f${n++}`);
  writeFileSync(path, content);
  return path;
};

/** Canonical name printed by evaluate → the fixture's trec_eval name. */
const TREC_NAME = new Map(EXPECTED_ROWS.map(([trec]) => [canonicalName(trec), trec] as const));

describe("rerank-eval evaluate", () => {
  it("text output (-c -q): every row of trec_eval's expected.tsv, per query in qid byte order, then all", async () => {
    const r = await runCli([
      "evaluate",
      "--qrels",
      QRELS,
      "--run",
      RUN,
      "-m",
      PARITY_MEASURES.join(","),
      "-c",
      "-q",
    ]);
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split("\n");
    const asTrec = lines.map((l) => {
      const [name, qid, value] = l.split("\t");
      return `${TREC_NAME.get(name)}\t${qid}\t${value}`;
    });
    // Same rows, printed the same (4 decimals, ties to even, integer counts): 28 measures × 286.
    expect(asTrec.sort()).toEqual([...expectedRows].sort());
    expect(lines).toHaveLength(8008);
    const qids = lines.filter((l) => l.startsWith("AP\t")).map((l) => l.split("\t")[1]);
    expect(qids.at(-1)).toBe("all");
    const perQuery = qids.slice(0, -1);
    expect(perQuery).toEqual([...perQuery].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b))));
  });

  it("trec_eval names are printed as trec_eval prints them: printf('%-22s\\t%s\\t%6.4f'), its measure order, -c -q", async () => {
    // Every plain measure of the fixture (trec_eval's own output, padding removed), asked in reverse.
    const plain = EXPECTED_ROWS.map((row) => row.join("\t")).filter(
      (row) => !row.split("\t")[0].includes("@"),
    );
    const names = [...new Set(plain.map((row) => row.split("\t")[0]))];
    const asked = names.map((n) => n.replace(/_(\d+)$/, ".$1")).reverse();
    const r = await runCli(["evaluate", "-c", "-q", ...asked.flatMap((m) => ["-m", m]), QRELS, RUN]);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trimEnd().split("\n");
    for (const line of lines.slice(0, 30)) {
      const [name, qid, value] = line.split("\t");
      const bare = name.trimEnd();
      expect(name).toBe(bare.padEnd(22));
      expect(value).toMatch(bare.startsWith("num_rel") ? /^\d+$/ : /^\d\.\d{4}$/);
      expect(qid).not.toBe("");
    }
    // Line for line what trec_eval printed: same rows, same order (its measure table, not ours).
    expect(lines.map((l) => l.replace(/ +\t/, "\t"))).toEqual(plain);
  });

  it("-m repeated, comma lists and trec_eval's parameter lists (P.5,10) and default cut-offs (P)", async () => {
    const get = async (...m: string[]) => (await runCli(["evaluate", "-c", ...m, QRELS, RUN])).stdout;
    const row = (name: string) => expectedRows.find((l) => l.startsWith(`${name}\tall\t`))?.split("\t")[2];
    expect(await get("-m", "ndcg_cut.10", "-m", "map")).toBe(
      `${"map".padEnd(22)}\tall\t${row("map")}\n${"ndcg_cut_10".padEnd(22)}\tall\t${row("ndcg_cut_10")}\n`,
    );
    expect(await get("--measures", "ndcg_cut.10,map")).toBe(await get("-m", "ndcg_cut.10", "-m", "map"));
    expect(await get("-m", "P.10,5")).toBe(
      `${"P_5".padEnd(22)}\tall\t${row("P_5")}\n${"P_10".padEnd(22)}\tall\t${row("P_10")}\n`,
    );
    const defaults = (await get("-m", "P")).split("\n").map((l) => l.split("\t")[0].trim());
    expect(defaults.filter(Boolean)).toEqual([
      "P_5",
      "P_10",
      "P_15",
      "P_20",
      "P_30",
      "P_100",
      "P_200",
      "P_500",
      "P_1000",
    ]);
    // ir_measures names keep their names, their order and today's layout; a mix keeps the order asked.
    expect(await get("-m", "RR", "-m", "AP")).toBe(`RR\tall\t${row("recip_rank")}\nAP\tall\t${row("map")}\n`);
    expect(await get("-m", "RR,map")).toBe(
      `RR\tall\t${row("recip_rank")}\n${"map".padEnd(22)}\tall\t${row("map")}\n`,
    );
  });

  it("the files as trec_eval takes them, evaluate QRELS RUN, or as --qrels and --run; not both", async () => {
    const positional = await runCli(["evaluate", "-c", "-m", "map", QRELS, RUN]);
    const flags = await runCli(["evaluate", "-c", "-m", "map", "--qrels", QRELS, "--run", RUN]);
    expect(positional.code, positional.stderr).toBe(0);
    expect(positional.stdout).toBe(flags.stdout);
    const both = await runCli(["evaluate", QRELS, RUN, "--qrels", QRELS]);
    expect(both.code).toBe(2);
    expect(both.stderr).toBe(
      `rerank-eval: error: the files are given twice, as arguments (${QRELS} ${RUN}) and as flags (--qrels ${QRELS}): ` +
        "give either evaluate QRELS RUN, as trec_eval takes them, or --qrels and --run\n",
    );
    const mixed = await runCli(["evaluate", "--qrels", QRELS, RUN]);
    expect(mixed.code).toBe(2);
    expect(mixed.stderr).toContain("the files are given twice");
    const one = await runCli(["evaluate", QRELS]);
    expect(one.stderr).toBe(
      `rerank-eval: error: no run file: give evaluate QRELS RUN (only ${QRELS} was given)\n`,
    );
    const none = await runCli(["evaluate"]);
    expect(none.stderr).toContain(
      "no qrels and run files: give evaluate QRELS RUN, or --qrels FILE --run FILE",
    );
    const twice = await runCli(["evaluate", "--qrels", QRELS, "--qrels", QRELS, "--run", RUN]);
    expect(twice.stderr).toContain("--qrels was given 2 times");
  });

  it("--relevance-level 2 reproduces the fixture's @rel2 rows", async () => {
    const r = await runCli([
      "evaluate",
      "--qrels",
      QRELS,
      "--run",
      RUN,
      "-m",
      "map,recip_rank,P.10",
      "-c",
      "-l",
      "2",
    ]);
    expect(r.code).toBe(0);
    const expected = ["map@rel2", "recip_rank@rel2", "P_10@rel2"].map(
      (m) => expectedRows.find((row) => row.startsWith(`${m}\tall\t`))?.split("\t")[2],
    );
    expect(r.stdout).toBe(
      `${"map".padEnd(22)}\tall\t${expected[0]}\n${"recip_rank".padEnd(22)}\tall\t${expected[1]}\n` +
        `${"P_10".padEnd(22)}\tall\t${expected[2]}\n`,
    );
  });

  it("-M N (--max-docs) scores the top N by the trec order: -M 10 recip_rank is trec_eval's recip_rank@10", async () => {
    const r = await runCli(["evaluate", "--qrels", QRELS, "--run", RUN, "-m", "RR", "-c", "-q", "-M", "10"]);
    expect(r.code, r.stderr).toBe(0);
    const got = r.stdout
      .trimEnd()
      .split("\n")
      .map((l) => l.replace(/^RR\t/, "recip_rank@10\t"));
    expect([...got].sort()).toEqual(expectedRows.filter((row) => row.startsWith("recip_rank@10\t")).sort());
    const long = await runCli([
      "evaluate",
      "--qrels",
      QRELS,
      "--run",
      RUN,
      "-m",
      "RR",
      "-c",
      "--max-docs",
      "10",
    ]);
    expect(long.stdout).toBe(got.at(-1)?.replace("recip_rank@10", "RR").concat("\n"));
  });

  it("--json: full precision, every counted query (judged without ranking at 0 under --complete)", async () => {
    const r = await runCli([
      "evaluate",
      "--qrels",
      QRELS,
      "--run",
      RUN,
      "--json",
      "-c",
      "-m",
      "nDCG@10,RR@10,AP",
    ]);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(Object.keys(out)).toEqual(["measures", "queries", "mean", "perQuery"]);
    expect(out.measures).toEqual(["nDCG@10", "RR@10", "AP"]);
    expect(out.queries).toBe(285);
    expect(Object.keys(out.perQuery)).toHaveLength(285);
    // q 102 is judged (14 relevant) but has no ranking: counted at 0 under -c.
    expect(out.perQuery["102"]).toEqual({ "nDCG@10": 0, "RR@10": 0, AP: 0 });
    const row = (m: string, q: string) =>
      Number(expectedRows.find((l) => l.startsWith(`${m}\t${q}\t`))?.split("\t")[2]);
    expect(Math.abs(out.mean.AP - row("map", "all"))).toBeLessThanOrEqual(5e-5);
    expect(Math.abs(out.mean["RR@10"] - row("recip_rank@10", "all"))).toBeLessThanOrEqual(5e-5);
    expect(Math.abs(out.perQuery["105"].AP - row("map", "105"))).toBeLessThanOrEqual(5e-5);
    expect(String(out.mean.AP).length).toBeGreaterThan(8); // not rounded to 4 decimals
    expect(r.stderr.trimEnd().split("\n")).toHaveLength(1); // the warnings: one line
    expect(r.stderr).toContain("17 judged queries have no ranking (counted at 0: --complete)");
  });

  it("without --complete, judged queries without ranking are left out and the warning says so", async () => {
    const r = await runCli(["evaluate", "--qrels", QRELS, "--run", RUN, "--json"]);
    const out = JSON.parse(r.stdout);
    expect(out.queries).toBe(285 - 17);
    expect(out.perQuery["102"]).toBeUndefined();
    expect(out.measures).toEqual(["nDCG@10", "RR@10", "AP"]); // the default set
    expect(r.stderr).toMatch(
      /^rerank-eval: warning: 15 ranked queries have no judgements \(ignored\); 17 judged/,
    );
  });

  it("an ungrouped run (a query's lines apart) and gzip files give the same figures", async () => {
    const lines = readFileSync(RUN, "utf8").trim().split("\n");
    const shuffled = lines.map((l, i) => [(i * 7919) % lines.length, l] as const).sort((a, b) => a[0] - b[0]);
    const ungrouped = file(`${shuffled.map((x) => x[1]).join("\n")}\n`);
    const gzRun = file(gzipSync(readFileSync(RUN)));
    const gzQrels = file(gzipSync(readFileSync(QRELS)));
    const args = ["--json", "-c", "-m", "nDCG@10,AP,P@5,Judged@10"];
    const base = await runCli(["evaluate", "--qrels", QRELS, "--run", RUN, ...args]);
    const merged = await runCli(["evaluate", "--qrels", QRELS, "--run", ungrouped, ...args]);
    const gz = await runCli(["evaluate", "--qrels", gzQrels, "--run", gzRun, ...args]);
    // Ungrouped and gzipped: the streaming path gives up mid-file and the merge path takes over.
    const gzUngrouped = await runCli([
      "evaluate",
      "--qrels",
      QRELS,
      "--run",
      file(gzipSync(readFileSync(ungrouped))),
      ...args,
    ]);
    expect(merged.stdout).toBe(base.stdout);
    expect(gz.stdout).toBe(base.stdout);
    expect(gzUngrouped.stdout).toBe(base.stdout);
  });

  it("ids whose order differs between '<' and UTF-8 bytes: ties and per-query rows follow the bytes", async () => {
    // U+FF5E is EF BD 9E in UTF-8, U+1F600 is F0 9F 98 80: bytes put the emoji last, while UTF-16
    // ('<') puts it first (its lead surrogate D83D < FF5E). Ties go to the greater id, so in both
    // queries the emoji ranks first: query ～ has its relevant ～ at rank 2 (RR 1/2), query 😀 at rank 1.
    const [tilde, smile] = ["\uFF5E", "\u{1F600}"];
    const qrels = file(`${tilde} 0 ${tilde} 1\n${tilde} 0 ${smile} 0\n${smile} 0 ${smile} 1\n`);
    const run = file(
      [
        `${smile} Q0 ${tilde} 1 0.5 t`,
        `${smile} Q0 ${smile} 2 0.5 t`,
        `${tilde} Q0 ${tilde} 1 0.5 t`,
        `${tilde} Q0 ${smile} 2 0.5 t`,
      ].join("\n"),
    );
    const r = await runCli(["evaluate", "--qrels", qrels, "--run", run, "-m", "RR,P@1", "-q"]);
    expect(r.code, r.stderr).toBe(0);
    // Per-query rows in byte order of the query ids: ～ before 😀 (UTF-16 order would swap them).
    expect(r.stdout).toBe(
      `RR\t${tilde}\t0.5000\nP@1\t${tilde}\t0.0000\nRR\t${smile}\t1.0000\nP@1\t${smile}\t1.0000\n` +
        "RR\tall\t0.7500\nP@1\tall\t0.5000\n",
    );
  });

  it("an empty run: no query ranked; under -c every judged query counts at 0", async () => {
    const r = await runCli([
      "evaluate",
      "--qrels",
      file("a 0 d 1\nb 0 e 1\n"),
      "--run",
      file(""),
      "-m",
      "RR",
      "-c",
      "--json",
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({
      measures: ["RR"],
      queries: 2,
      mean: { RR: 0 },
      perQuery: { a: { RR: 0 }, b: { RR: 0 } },
    });
    expect(r.stderr).toContain("2 judged queries have no ranking (counted at 0: --complete)");
  });

  it("reads what trec_eval reads: '#' comment lines in qrels and runs, columns after the run's tag", async () => {
    const qrels = file("# qrels v2, judged by X\nq1 0 d1 1\nq1 0 d#2 1\n");
    const run = file("# run by bm25\nq1 Q0 d#2 1 2.0 tag extra1 extra2 extra3\nq1 Q0 d1 2 1.0 tag\n");
    const r = await runCli(["evaluate", "--qrels", qrels, "--run", run, "-m", "P@2,RR"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe("P@2\tall\t1.0000\nRR\tall\t1.0000\n");
  });

  it("warns when no query is counted", async () => {
    const r = await runCli(["evaluate", "--qrels", file("a 0 d 1\n"), "--run", file("b Q0 d 1 1 t\n")]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("nDCG@10\tall\t0.0000\nRR@10\tall\t0.0000\nAP\tall\t0.0000\n");
    expect(r.stderr).toContain("no query was counted");
  });
});

describe("rerank-eval evaluate: bad input → exit 2, one line naming file:line, nothing on stdout", () => {
  const goodQrels = () => file("q1 0 d1 1\n");
  const goodRun = () => file("q1 Q0 d1 1 2.5 t\n");
  it.each([
    [
      "qrels: too few columns",
      () => ({ qrels: file("q1 0 d1 1\nq1 0 d2\n"), run: goodRun() }),
      "qrels",
      ":2: expected 4 columns",
    ],
    [
      "qrels: non-integer grade",
      () => ({ qrels: file("q1 0 d1 1.9\n"), run: goodRun() }),
      "qrels",
      ":1: field 'grade': grade must be an integer",
    ],
    [
      "qrels: judged twice",
      () => ({ qrels: file("q1 0 d1 1\nq1 0 d1 1\n"), run: goodRun() }),
      "qrels",
      ":2: field 'docid'",
    ],
    [
      "run: too few columns",
      () => ({ qrels: goodQrels(), run: file("q1 Q0 d1 1 2.5\n") }),
      "run",
      ":1: expected 6 columns",
    ],
    [
      "run: too few columns after a comment line",
      () => ({ qrels: goodQrels(), run: file("# bm25\nq1 Q0 d1 1 2.5 t\n\nq1 Q0 d2 2 1\n") }),
      "run",
      ":4: expected 6 columns",
    ],
    [
      "qrels: too few columns after a comment line",
      () => ({ qrels: file("# judged by X\nq1 0 d1\n"), run: goodRun() }),
      "qrels",
      ":2: expected 4 columns",
    ],
    [
      "run: non-numeric score",
      () => ({ qrels: goodQrels(), run: file("q1 Q0 d1 1 high t\n") }),
      "run",
      ":1: field 'score'",
    ],
    [
      "run: non-finite score",
      () => ({ qrels: goodQrels(), run: file("q1 Q0 d1 1 -inf t\n") }),
      "run",
      ":1: field 'score'",
    ],
    [
      "run: duplicate doc",
      () => ({ qrels: goodQrels(), run: file("q1 Q0 d1 1 2 t\nq1 Q0 d1 2 1 t\n") }),
      "run",
      ":2: field 'docid'",
    ],
    [
      "run: duplicate across groups",
      () => ({ qrels: goodQrels(), run: file("q1 Q0 d1 1 2 t\nq2 Q0 x 1 1 t\nq1 Q0 d1 2 1 t\n") }),
      "run",
      ":3: field 'docid'",
    ],
    [
      "qrels: an id that is not UTF-8 (q\\xff1 would have matched the run's q\\xfe1 as q\\uFFFD1)",
      () => ({
        qrels: file(Buffer.from([0x71, 0xff, 0x31, 0x20, 0x30, 0x20, 0x64, 0x31, 0x20, 0x31, 0x0a])),
        run: file(Buffer.from([0x71, 0xfe, 0x31, ...Buffer.from(" Q0 d1 1 2.0 t\n")])),
      }),
      "qrels",
      ":1: field 'qid': 'q\\xff1' is not valid UTF-8",
    ],
    [
      "run: a doc id that is not UTF-8",
      () => ({
        qrels: goodQrels(),
        run: file(Buffer.from([...Buffer.from("q1 Q0 d"), 0xfe, ...Buffer.from(" 1 2 t\n")])),
      }),
      "run",
      ":1: field 'docid': 'd\\xfe' is not valid UTF-8",
    ],
    ["qrels: missing", () => ({ qrels: join(tmp, "missing"), run: goodRun() }), "qrels", ": no such file"],
    ["run: a directory", () => ({ qrels: goodQrels(), run: tmp }), "run", ": is a directory"],
  ])("%s", async (_label, make, which, message) => {
    const paths = make();
    const r = await runCli(["evaluate", "--qrels", paths.qrels, "--run", paths.run]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    const path = which === "qrels" ? paths.qrels : paths.run;
    expect(r.stderr.startsWith(`rerank-eval: error: ${path}${message}`)).toBe(true);
    expect(r.stderr.split("\n")).toHaveLength(2); // one line and its newline
  });

  it.each([
    [["-m", "nDCG@10,bogus@3"], "unknown measure 'bogus@3'"],
    [["-l", "1.5"], "--relevance-level must be an integer grade, got 1.5"],
    [["-l", "two"], "--relevance-level must be an integer grade, got something that is not a number"],
    [["-M", "0"], "--max-docs must be a positive integer, got 0"],
    [["--max-docs", "ten"], "--max-docs must be a positive integer, got something that is not a number"],
  ])("usage error %j", async (extra, message) => {
    const r = await runCli(["evaluate", "--qrels", goodQrels(), "--run", goodRun(), ...extra]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain(message);
  });

  it("real process: exit codes 0 and 2, and an API key in the environment appears nowhere", async () => {
    const canary = "sk-CANARY-evaluate-3f9a";
    await buildCli();
    const ok = await spawnCli(["evaluate", "--qrels", QRELS, "--run", RUN, "-c"], { REGOLO_API_KEY: canary });
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/^nDCG@10\tall\t0\.\d{4}\nRR@10\tall\t0\.\d{4}\nAP\tall\t0\.\d{4}\n$/);
    const bad = await spawnCli(["evaluate", "--qrels", QRELS, "--run", file("q1 Q0 d1 1 x t\n")], {
      REGOLO_API_KEY: canary,
    });
    expect(bad.code, bad.stderr).toBe(2);
    expect(bad.stderr).toMatch(
      /^rerank-eval: error: .+:1: field 'score': score must be a finite number, got 'x'\n$/,
    );
    for (const text of [ok.stdout, ok.stderr, bad.stdout, bad.stderr]) expect(text).not.toContain(canary);
  });
});
