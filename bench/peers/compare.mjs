// The peer comparison of `make bench`: pict_repo's worker loop against the
// job queues people use, on the benchmark's throw-away cluster, in one run.
// bench/peers/run.sh copies this file and drain.mjs next to the peers it
// installed and runs
//
//   node compare.mjs --out FILE --driver PATH [--quick] [--no-pgq REASON]
//
// with the libpq environment of the cluster (PGDATABASE: the database where
// pict_repo is installed and its background worker runs).  It appends a
// section to FILE.
//
// Every scenario starts from the same state: the Node.js peers from a
// fresh copy of a template database that holds their schema and N waiting
// jobs (CREATE DATABASE ... TEMPLATE), PgQ and pict_repo from an emptied
// queue filled anew; then VACUUM ANALYZE and CHECKPOINT, so each run pays
// the same full-page writes.  Commits are pg_stat_database.xact_commit of
// the scenario's database from before the workers start until all of their
// sessions have ended (less the meter's own reads); WAL bytes are
// pg_current_wal_lsn() from before the workers start to the end of the
// drain.  Each figure is the best of the rounds (a round runs every
// scenario once).
import { createRequire } from "node:module";
import { spawnSync } from "node:child_process";
import { appendFileSync, existsSync, readFileSync } from "node:fs";
import path from "node:path";

const require = createRequire(import.meta.url);
const pg = require("pg");
const here = path.dirname(new URL(import.meta.url).pathname);

// ---- options ------------------------------------------------------------------------

const args = process.argv.slice(2);
const opt = (name) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const OUT = opt("--out");
const DRIVER = opt("--driver");
const QUICK = args.includes("--quick");
const NO_PGQ = opt("--no-pgq");
if (!OUT || !DRIVER) {
  console.error("usage: node compare.mjs --out FILE --driver PATH [--quick] [--no-pgq REASON]");
  process.exit(2);
}

// make bench: 10,000 jobs per run, W = 1, 4, 16, one round (about 8 minutes
// on two cores; PEERS_ROUNDS=2 makes each figure the best of two); make
// bench-quick: a tiny version at W = 4 that shows the harness works.
const SCALE = QUICK
  ? { jobs: 1000, rounds: 1, concurrency: [4], pgq: [4], bossCap: 3, cap: 10 }
  : { jobs: 10000, rounds: 1, concurrency: [1, 4, 16], pgq: [1, 4], bossCap: 10, cap: 20 };
if (process.env.PEERS_ROUNDS) SCALE.rounds = Math.max(1, Number(process.env.PEERS_ROUNDS));
const N = SCALE.jobs;
const BENCH_DB = process.env.PGDATABASE;

// ---- the scenarios ----------------------------------------------------------------------

const Q = {
  pict: "pict_repo",
  graphile: "graphile-worker",
  boss: "pg-boss",
  lbu: "@lbu/store",
  pgq: "PgQ",
};

function scenarios() {
  const list = [];
  for (const c of SCALE.concurrency) {
    list.push({ queue: Q.pict, variant: "worker loop, batch_size 1", key: "pict1", c });
    list.push({ queue: Q.pict, variant: "worker loop, batch_size 100", key: "pict100", c });
    // The batch graphile-worker's localQueue fetches (its size 500).
    if (!QUICK) list.push({ queue: Q.pict, variant: "worker loop, batch_size 500", key: "pict500", c });
    list.push({ queue: Q.pict, variant: "claim_job(100) + complete_jobs, no loop", key: "pictcj", c });
    list.push({ queue: Q.graphile, variant: "runner", key: "gw", c, node: ["graphile-worker", "default"] });
    list.push({ queue: Q.graphile, variant: "runner, localQueue 500", key: "gwlq", c, node: ["graphile-worker", "localQueue"] });
    if (!QUICK) list.push({ queue: Q.boss, variant: "work, batchSize 1", key: "boss1", c, node: ["pg-boss", "batch1"] });
    list.push({ queue: Q.boss, variant: "work, batchSize 100", key: "boss100", c, node: ["pg-boss", "batch100"] });
    list.push({ queue: Q.lbu, variant: "JobQueueWorker", key: "lbu", c, node: ["lbu-store", "default"] });
  }
  if (!NO_PGQ)
    for (const c of SCALE.pgq)
      list.push({ queue: Q.pgq, variant: "batches of 100 events", key: "pgq", c });
  return list;
}

// ---- helpers ------------------------------------------------------------------------------

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const admin = new pg.Client({ database: "postgres" });

async function inDb(db, ...statements) {
  const c = new pg.Client({ database: db });
  await c.connect();
  try {
    for (const s of statements) await c.query(s);
  } finally {
    await c.end();
  }
}

function run(cmd, argv, db) {
  const r = spawnSync(cmd, argv, {
    env: { ...process.env, PGDATABASE: db },
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
    maxBuffer: 16 << 20,
  });
  if (r.status !== 0) {
    throw new Error(`${path.basename(cmd)} ${argv.join(" ")} failed (${r.status ?? r.signal}):\n${r.stderr}`);
  }
  if (r.stderr.trim()) process.stderr.write(r.stderr);
  const lines = r.stdout.trim().split("\n");
  return lines[lines.length - 1];
}

async function clientBackends(db) {
  const { rows } = await admin.query(
    "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1 AND backend_type = 'client backend'",
    [db],
  );
  return rows[0].n;
}

// Wait until every session of db has ended, and their statistics landed.
async function waitIdle(db) {
  for (let i = 0; i < 3000 && (await clientBackends(db)) > 0; i++) await sleep(10);
  if ((await clientBackends(db)) > 0) throw new Error(`sessions of ${db} did not end`);
  await sleep(200);
}

async function counters(db) {
  const { rows } = await admin.query(
    "SELECT xact_commit::float8 AS commits, pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::float8 AS lsn " +
      "FROM pg_stat_database WHERE datname = $1",
    [db],
  );
  return rows[0];
}

const templates = new Set();

async function recreate(db, template) {
  await admin.query(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${db}${template ? ` TEMPLATE ${template}` : ""}`);
}

// Set up one scenario's database; returns its name.
async function prepare(s) {
  if (s.queue === Q.pict) {
    await inDb(BENCH_DB, "TRUNCATE pict_repo.job_queue");
    run(DRIVER, ["pict_repo-setup", String(N)], BENCH_DB);
    return BENCH_DB;
  }
  if (s.queue === Q.pgq) {
    await recreate("peer_pgq");
    run(DRIVER, ["pgq-setup", String(N), String(s.c)], "peer_pgq");
    return "peer_pgq";
  }
  const [peer] = s.node;
  const slug = peer.replace(/[^a-z]/g, "_");
  const tmpl = `peer_${slug}_template`;
  if (!templates.has(tmpl)) {
    await recreate(tmpl);
    run(process.execPath, [path.join(here, "drain.mjs"), "setup", peer, String(N)], tmpl);
    await inDb(tmpl, "VACUUM ANALYZE");
    await waitIdle(tmpl);
    templates.add(tmpl);
  }
  await recreate(`peer_${slug}`, tmpl);
  return `peer_${slug}`;
}

async function runScenario(s) {
  const db = await prepare(s);
  await inDb(db, "VACUUM ANALYZE");
  await admin.query("CHECKPOINT");
  await waitIdle(db);
  const before = await counters(db);
  let line;
  const cap = String(s.queue === Q.boss ? SCALE.bossCap : SCALE.cap);
  if (s.key === "pictcj") line = run(DRIVER, ["pict_repo-batch-drain", String(s.c), String(N), cap], db);
  else if (s.queue === Q.pict) line = run(DRIVER, ["pict_repo-drain", String(s.c), s.key.slice("pict".length), String(N), cap], db);
  else if (s.queue === Q.pgq) line = run(DRIVER, ["pgq-drain", String(s.c), String(N), cap], db);
  else line = run(process.execPath, [path.join(here, "drain.mjs"), "drain", ...s.node, String(s.c), String(N), cap], db);
  const r = JSON.parse(line);
  await waitIdle(db);
  const after = await counters(db);
  if (s.queue === Q.pict && !r.capped) {
    const c = new pg.Client({ database: db });
    await c.connect();
    const left = (await c.query("SELECT count(*)::int AS n FROM pict_repo.job_queue")).rows[0].n;
    await c.end();
    if (left !== 0) throw new Error(`pict_repo left ${left} jobs in the queue`);
  }
  if (!r.capped && r.jobs !== (s.queue === Q.pgq ? N * s.c : N))
    throw new Error(`${s.queue} ${s.variant} finished ${r.jobs} jobs`);
  return {
    rate: r.jobs / r.seconds,
    seconds: r.seconds,
    jobs: r.jobs,
    capped: !!r.capped,
    commits: (after.commits - before.commits - r.meter_xacts) / r.jobs,
    wal: (r.lsn_end - before.lsn) / r.jobs,
  };
}

// ---- versions --------------------------------------------------------------------------------

function pkgVersion(name) {
  try {
    return JSON.parse(readFileSync(path.join(here, "node_modules", name, "package.json"), "utf8")).version;
  } catch {
    return "?";
  }
}

async function versions() {
  const one = async (db, sql) => {
    const c = new pg.Client({ database: db });
    await c.connect();
    try {
      return (await c.query(sql)).rows[0]?.v ?? "?";
    } finally {
      await c.end();
    }
  };
  const v = {
    pict: await one(BENCH_DB, "SELECT pict_repo.version() AS v"),
    graphile: pkgVersion("graphile-worker"),
    boss: pkgVersion("pg-boss"),
    lbu: pkgVersion("@lbu/store"),
    pgNode: pkgVersion("pg"),
    postgresJs: pkgVersion("postgres"),
    node: process.version,
    pgq: "-",
  };
  if (!NO_PGQ) {
    await recreate("peer_pgq");
    await inDb("peer_pgq", "CREATE EXTENSION pgq");
    v.pgq = await one("peer_pgq", "SELECT extversion AS v FROM pg_extension WHERE extname = 'pgq'");
    const dpkg = spawnSync("dpkg-query", ["-W", "-f", "${Version}", "postgresql-15-pgq3"], { encoding: "utf8" });
    if (dpkg.status === 0) v.pgqDeb = dpkg.stdout.trim();
  }
  return v;
}

// ---- report ---------------------------------------------------------------------------------

const f0 = (x) => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));
const ratio = (a, b) => (a && b ? `${(a / b).toFixed(2)}x` : "-");

function report(v, list, best, all, secs) {
  const lines = [];
  const p = (s = "") => lines.push(s);
  if (!existsSync(OUT) || !readFileSync(OUT, "utf8").startsWith("# ")) {
    p("# pict_repo benchmark results");
    p();
    p(`Written by \`bench/peers/compare.mjs\` on ${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC.`);
    p();
  }
  p("## Job queues people use");
  p();
  p(
    `Each queue drains ${N.toLocaleString("en")} waiting jobs (${SCALE.rounds === 1 ? "one run each" : `best of ${SCALE.rounds} interleaved rounds`}, ${Math.round(secs)} s for the section) ` +
      "on this cluster (`synchronous_commit = on`), through its own client with a no-op handler. " +
      "Timed from the first job handed to a handler until every job is finished in the database. " +
      `A run that has not finished after ${SCALE.cap} s stops there and counts the jobs completed by then (the jobs column says so); ` +
      `pg-boss's worker waits \`pollingIntervalSeconds\` (0.5 s, the lowest it accepts) between fetches even when it found jobs, so its runs stop after ${SCALE.bossCap} s. ` +
      "Commits per job: `pg_stat_database.xact_commit` of the queue's database around the drain (background workers and maintenance included); " +
      "WAL bytes per job: `pg_current_wal_lsn()` before the workers start and at the end of the drain. " +
      "PgQ: every consumer sees every event, so W consumers handle W times the events (jobs/s counts events handled). " +
      "`bench/README.md` says how each queue is set up.",
  );
  p();
  p("| queue | version | client | settings |");
  p("|---|---|---|---|");
  p(`| pict_repo | ${v.pict} | libpictrepo (C, libpq), one process and connection per worker (its heartbeat connection is opened only for a job that outlives the 30 s interval: none here) | \`pr_worker_run\`, default heartbeats; jobs pushed with \`push_jobs\` |`);
  p(`| graphile-worker | ${v.graphile} | pg ${v.pgNode}, Node.js ${v.node} | \`run()\`, concurrency W, maxPoolSize max(10, W+2); localQueue: size 500, completeJobBatchDelay 0; jobs added with \`addJobs\` |`);
  p(`| pg-boss | ${v.boss} | pg ${v.pgNode}, Node.js ${v.node} | W \`work()\` workers, pollingIntervalSeconds 0.5, pool max(10, W+2); jobs added with \`insert\` |`);
  p(`| @lbu/store | ${v.lbu} | postgres ${v.postgresJs}, Node.js ${v.node} | \`JobQueueWorker\` parallelCount W, pollInterval 100 ms, pool max(10, 2W); jobs added with \`addJobToQueue\` |`);
  p(`| PgQ | ${NO_PGQ ? `not run: ${NO_PGQ}` : `${v.pgq} (Debian ${v.pgqDeb ?? "?"})`} | libpq (C), one process per consumer | next_batch + get_batch_events + finish_batch, one transaction per batch; a tick every 100 events |`);
  p();
  const many = SCALE.rounds > 1;
  p(`| queue | variant | W | jobs | jobs/s | commits/job | WAL B/job |${many ? " jobs/s of each round |" : ""}`);
  p(`|---|---|---:|---:|---:|---:|---:|${many ? "---|" : ""}`);
  for (const s of list) {
    const k = `${s.key}|${s.c}`;
    const b = best.get(k);
    if (!b) continue;
    p(
      `| ${s.queue} | ${s.variant} | ${s.c} | ${b.jobs}${b.capped ? ` (in ${b.seconds.toFixed(1)} s)` : ""} | ${f0(b.rate)} | ${b.commits.toFixed(2)} | ${b.wal.toFixed(0)} |` +
        (many ? ` ${all.get(k).map((r) => f0(r.rate)).join(" / ")} |` : ""),
    );
  }
  p();
  p("pict_repo's worker loop against each peer at the same concurrency (ratio of jobs/s):");
  p();
  const peers = [
    ["gw", "graphile-worker"],
    ["gwlq", "graphile-worker localQueue"],
    ["boss1", "pg-boss batchSize 1"],
    ["boss100", "pg-boss batchSize 100"],
    ["lbu", "@lbu/store"],
  ];
  p(`| W | pict_repo | jobs/s | ${peers.map(([, n]) => `vs ${n}`).join(" | ")} | vs the fastest of graphile-worker, pg-boss, @lbu/store |`);
  p(`|---:|---|---:|${peers.map(() => "---:|").join("")}---:|`);
  for (const c of SCALE.concurrency) {
    for (const [key, name] of [
      ["pict1", "worker loop, batch_size 1"],
      ["pict100", "worker loop, batch_size 100"],
      ["pict500", "worker loop, batch_size 500"],
    ]) {
      if (!best.get(`${key}|${c}`)) continue;
      const ours = best.get(`${key}|${c}`)?.rate;
      let fastest = null;
      for (const [pk, pn] of peers) {
        const r = best.get(`${pk}|${c}`)?.rate;
        if (r && (!fastest || r > fastest.rate)) fastest = { rate: r, name: pn };
      }
      p(
        `| ${c} | ${name} | ${ours ? f0(ours) : "-"} | ${peers.map(([pk]) => ratio(ours, best.get(`${pk}|${c}`)?.rate)).join(" | ")} | ${fastest ? `${ratio(ours, fastest.rate)} (${fastest.name}, ${f0(fastest.rate)} jobs/s)` : "-"} |`,
      );
    }
  }
  if (!NO_PGQ) {
    p();
    p("Batch claims against PgQ's batch consumption (jobs/s ratio; PgQ's W consumers each handle every event):");
    p();
    p("| W | PgQ events/s | worker loop batch_size 100 | ratio | claim_job(100) + complete_jobs | ratio |");
    p("|---:|---:|---:|---:|---:|---:|");
    for (const c of SCALE.pgq) {
      const q = best.get(`pgq|${c}`)?.rate;
      const l = best.get(`pict100|${c}`)?.rate;
      const cj = best.get(`pictcj|${c}`)?.rate;
      p(`| ${c} | ${q ? f0(q) : "-"} | ${l ? f0(l) : "-"} | ${ratio(l, q)} | ${cj ? f0(cj) : "-"} | ${ratio(cj, q)} |`);
    }
  }
  p();
  appendFileSync(OUT, lines.join("\n") + "\n");
}

// ---- main -------------------------------------------------------------------------------------

async function main() {
  const t0 = Date.now();
  await admin.connect();
  const v = await versions();
  const list = scenarios();
  const best = new Map();
  const all = new Map();
  try {
    for (let round = 1; round <= SCALE.rounds; round++) {
      console.log(`== peers, round ${round} of ${SCALE.rounds}: ${list.length} scenarios of ${N} jobs`);
      for (const s of list) {
        const k = `${s.key}|${s.c}`;
        const started = Date.now();
        const r = await runScenario(s);
        console.log(
          `  ${s.queue} ${s.variant} W=${s.c}: ${f0(r.rate)} jobs/s, ${r.commits.toFixed(2)} commits/job, ${r.wal.toFixed(0)} WAL B/job` +
            `${r.capped ? ` (${r.jobs} jobs in ${r.seconds.toFixed(1)} s)` : ""} [${((Date.now() - started) / 1000).toFixed(1)} s]`,
        );
        if (!all.has(k)) all.set(k, []);
        all.get(k).push(r);
        if (!best.has(k) || r.rate > best.get(k).rate) best.set(k, r);
      }
    }
  } finally {
    for (const db of ["peer_pgq", "peer_graphile_worker", "peer_pg_boss", "peer_lbu_store", ...templates])
      await admin.query(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`).catch(() => {});
  }
  report(v, list, best, all, (Date.now() - t0) / 1000);
  await admin.end();
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e.stack || e);
    process.exit(1);
  },
);
