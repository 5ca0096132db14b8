// One scenario of a Node.js job queue, run by compare.mjs in a process of
// its own (so no scenario inherits another's pools, timers or JIT state):
//
//   node drain.mjs setup PEER N           create the schema, add N jobs
//   node drain.mjs drain PEER VARIANT C N CAP
//                                         drain them with the peer's own
//                                         worker at concurrency C
//
// PEER is graphile-worker, pg-boss or lbu-store; the connection comes from
// the libpq environment (PGHOST, PGPORT, PGUSER, PGDATABASE).  Every handler
// is a no-op that counts.  A drain is timed from the first job handed to a
// handler until the peer's table shows every job finished (polled on a
// meter connection once the handlers have seen all N jobs, so the polls
// cost nothing during the drain), or until CAP seconds after the first job,
// whichever comes first; then the WAL position is read on the meter
// connection.  The result is one JSON line on stdout; the meter's own
// transactions are reported so that the caller can subtract them from
// pg_stat_database.xact_commit.
import { createRequire } from "node:module";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

const require = createRequire(import.meta.url);
const pg = require("pg");

export const JOB = { op: "thumbnail", n: 1 };
const QUEUE = "peers";
const CHUNK = 10000; // jobs per bulk add

const env = process.env;
const connectionString =
  `postgres:///${encodeURIComponent(env.PGDATABASE)}?host=${encodeURIComponent(env.PGHOST)}` +
  `&port=${env.PGPORT}&user=${encodeURIComponent(env.PGUSER || "postgres")}`;

const now = () => Number(process.hrtime.bigint()) / 1e9;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Messages below the error level are dropped: logging every job would make
// the comparison one of console output.
function quietGraphileLogger(Logger) {
  return new Logger(() => (level, message) => {
    if (level === "error") console.error(message);
  });
}

// ---- graphile-worker -------------------------------------------------------------

const graphile = {
  async setup(n) {
    const { makeWorkerUtils, Logger } = require("graphile-worker");
    const utils = await makeWorkerUtils({ connectionString, logger: quietGraphileLogger(Logger) });
    await utils.migrate();
    for (let done = 0; done < n; done += CHUNK) {
      const k = Math.min(CHUNK, n - done);
      await utils.addJobs(Array.from({ length: k }, () => ({ identifier: "noop", payload: JOB })));
    }
    await utils.release();
  },
  async start(variant, c, onJobs) {
    const { run, Logger } = require("graphile-worker");
    const worker = {};
    if (variant === "localQueue") {
      // The settings of graphile-worker's own performance page.
      worker.localQueue = { size: 500 };
      worker.completeJobBatchDelay = 0;
      worker.failJobBatchDelay = 0;
    }
    const runner = await run({
      connectionString,
      concurrency: c,
      maxPoolSize: Math.max(10, c + 2),
      noHandleSignals: true,
      logger: quietGraphileLogger(Logger),
      taskList: { noop: async () => onJobs(1) },
      preset: { worker },
    });
    return async () => runner.stop();
  },
  pending: `SELECT count(*)::int AS n FROM graphile_worker._private_jobs`,
  finished: null,
};

// ---- pg-boss ------------------------------------------------------------------------

const pgboss = {
  async setup(n) {
    const PgBoss = require("pg-boss");
    const boss = new PgBoss({ connectionString, supervise: false, schedule: false });
    boss.on("error", (e) => console.error(e));
    await boss.start();
    await boss.createQueue(QUEUE);
    for (let done = 0; done < n; done += CHUNK) {
      const k = Math.min(CHUNK, n - done);
      await boss.insert(Array.from({ length: k }, () => ({ name: QUEUE, data: JOB })));
    }
    await boss.stop({ graceful: false, wait: true });
  },
  async start(variant, c, onJobs) {
    const PgBoss = require("pg-boss");
    const batchSize = variant === "batch100" ? 100 : 1;
    // Pool: one connection per worker plus two for completions and
    // maintenance; the rest of the settings are pg-boss's defaults.
    const boss = new PgBoss({ connectionString, max: Math.max(10, c + 2) });
    boss.on("error", (e) => console.error(e));
    await boss.start();
    for (let i = 0; i < c; i++) {
      // 0.5 s is the lowest polling interval pg-boss accepts.
      await boss.work(QUEUE, { batchSize, pollingIntervalSeconds: 0.5 }, async (jobs) => {
        onJobs(jobs.length);
      });
    }
    return async () => boss.stop({ graceful: true, wait: true, timeout: 5000 });
  },
  pending: `SELECT count(*)::int AS n FROM pgboss.job WHERE name = '${QUEUE}' AND state < 'completed'`,
  finished: `SELECT count(*)::int AS n FROM pgboss.job WHERE name = '${QUEUE}' AND state = 'completed'`,
};

// ---- @lbu/store ------------------------------------------------------------------------

const lbu = {
  async setup(n) {
    const store = await import("@lbu/store");
    const sql = store.postgres(connectionString, { max: 10 });
    const empty = mkdtempSync(path.join(tmpdir(), "lbu-migrations-"));
    try {
      const mc = await store.newMigrateContext(sql, empty);
      await store.runMigrations(mc);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
    // addJobToQueue adds one job; ten at a time over the pool.
    let next = 0;
    const adder = async () => {
      while (next < n) {
        next++;
        await store.addJobToQueue(sql, { name: QUEUE, data: JOB });
      }
    };
    await Promise.all(Array.from({ length: 10 }, adder));
    await sql.end();
  },
  async start(variant, c, onJobs) {
    const store = await import("@lbu/store");
    // Each job runs in a transaction of its own; the next one starts while
    // it commits, so the pool holds two connections per worker.
    const sql = store.postgres(connectionString, { max: Math.max(10, 2 * c) });
    const worker = new store.JobQueueWorker(sql, {
      parallelCount: c,
      pollInterval: 100,
      handler: async () => onJobs(1),
    });
    worker.start();
    return async () => {
      worker.stop();
      await sleep(200); // let the running transactions end
      await sql.end({ timeout: 5 });
    };
  },
  pending: `SELECT count(*)::int AS n FROM "jobQueue" WHERE NOT "isComplete"`,
  finished: null,
};

const PEERS = { "graphile-worker": graphile, "pg-boss": pgboss, "lbu-store": lbu };

// ---- main ---------------------------------------------------------------------------------

async function drain(peer, variant, c, n, cap) {
  const meter = new pg.Client({ connectionString });
  let meterXacts = 0;
  const q = async (text) => {
    meterXacts++;
    return (await meter.query(text)).rows[0];
  };
  await meter.connect();

  let handled = 0;
  let first = 0;
  let allSeen;
  const seen = new Promise((r) => (allSeen = r));
  const onJobs = (k) => {
    if (first === 0) first = now();
    handled += k;
    if (handled >= n) allSeen();
  };
  const stop = await peer.start(variant, c, onJobs);
  // Wait for every job to reach a handler, or the cap.
  while (first === 0) await sleep(1);
  const capAt = first + cap;
  let capped = false;
  await Promise.race([seen, sleep(Math.max(0, (capAt - now()) * 1000)).then(() => (capped = handled < n))]);
  let end;
  let jobs = n;
  if (!capped) {
    // Every job was handed to a handler: wait until all are finished.
    for (;;) {
      const { n: left } = await q(peer.pending);
      end = now();
      if (left === 0) break;
      if (end > capAt) {
        capped = true;
        break;
      }
      await sleep(2);
    }
  }
  if (capped) {
    end = now();
    jobs = peer.finished ? (await q(peer.finished)).n : n - (await q(peer.pending)).n;
  }
  const { lsn } = await q(`SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::float8 AS lsn`);
  await stop();
  await meter.end();
  return {
    seconds: end - first,
    jobs,
    handled,
    capped,
    lsn_end: lsn,
    meter_xacts: meterXacts,
  };
}

async function main() {
  const [cmd, name, ...rest] = process.argv.slice(2);
  const peer = PEERS[name];
  if (!peer || (cmd !== "setup" && cmd !== "drain")) {
    console.error("usage: node drain.mjs setup PEER N | drain PEER VARIANT C N CAP");
    process.exit(2);
  }
  if (cmd === "setup") {
    await peer.setup(Number(rest[0]));
  } else {
    const [variant, c, n, cap] = rest;
    const r = await drain(peer, variant, Number(c), Number(n), Number(cap));
    process.stdout.write(JSON.stringify(r) + "\n");
  }
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
