// A stock automerge-repo client doing live work against a sync server, for the
// side-by-side benchmark (benches/vs_js.rs, `live` mode) and the shard test.
//
//   node live-client.mjs push URL PEER_ID DOCS_JSON ROUNDS
//   node live-client.mjs pull URL PEER_ID DOCS_JSON ROUNDS
//   node live-client.mjs find URL PEER_ID DOCS_JSON
//
// DOCS_JSON is a file: [{ "id": "<document id>", "genesis": "<hex>", "container": "cases" }].
// push: holds every document from its genesis and, ROUNDS times, puts one record into each
//   (`r000`, `r001`, …), one change per document per round; automerge-repo sends at most
//   one sync message per document per 100 ms, so each change goes to the server as it is
//   made. Prints {"pushed_ms": N} once every change was sent (the server's answers
//   arrived) and stays connected until stdin closes.
// pull: finds every document and waits until each holds ROUNDS records; prints
//   {"pulled_ms": N, "records": total}.
// find: asks once for every document; prints {"found": N, "unavailable": [ids]}.
// idle: connects, asks for nothing for two seconds, and prints {"offered": N}: how many
//   documents the server sent unasked.
import { Repo } from "@automerge/automerge-repo";
import { WebSocketClientAdapter } from "@automerge/automerge-repo-network-websocket";
import { readFileSync } from "node:fs";

const [mode, url, peerId, docsFile, roundsArg] = process.argv.slice(2);
if (!docsFile) {
  console.error("usage: node live-client.mjs push|pull|find|idle URL PEER_ID DOCS_JSON [ROUNDS]");
  process.exit(2);
}
const docs = JSON.parse(readFileSync(docsFile, "utf8"));
const rounds = Number(roundsArg ?? 0);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const out = (o) => console.log(JSON.stringify(o));

const repo = new Repo({ network: [new WebSocketClientAdapter(url)], peerId });
const connected = new Promise((resolve) => repo.networkSubsystem.once("peer", resolve));
const timer = setTimeout(() => {
  console.error(`${mode}: timed out`);
  process.exit(1);
}, 600_000);

const records = (doc, container) => Object.keys(doc?.[container] ?? {}).length;

async function quiet(ms) {
  // Until nothing has come from the server for `ms`: it has answered every change.
  const adapter = repo.networkSubsystem.adapters[0];
  let last = Date.now();
  const touch = () => (last = Date.now());
  adapter.on("message", touch);
  while (Date.now() - last < ms) await sleep(20);
  adapter.off("message", touch);
}

if (mode === "push") {
  const handles = docs.map((d) =>
    repo.import(Buffer.from(d.genesis, "hex"), { docId: d.id }),
  );
  await connected;
  const started = Date.now();
  for (let k = 0; k < rounds; k++) {
    const key = `r${String(k).padStart(3, "0")}`;
    handles.forEach((h, i) =>
      h.change((d) => {
        d[docs[i].container][key] = k;
      }),
    );
    // One sync message per document per round (automerge-repo throttles to 100 ms).
    await sleep(110);
  }
  await quiet(1000);
  out({ pushed_ms: Date.now() - started - 1000 });
  process.stdin.resume();
  process.stdin.on("end", () => repo.shutdown().finally(() => process.exit(0)));
} else if (mode === "pull") {
  const started = Date.now();
  let total = 0;
  await Promise.all(
    docs.map(async (d) => {
      const handle = await repo.find(`automerge:${d.id}`);
      while (records(handle.doc(), d.container) < rounds) await sleep(20);
      total += records(handle.doc(), d.container);
    }),
  );
  out({ pulled_ms: Date.now() - started, records: total });
  clearTimeout(timer);
  await repo.shutdown();
  process.exit(0);
} else if (mode === "find") {
  const unavailable = [];
  let found = 0;
  await Promise.all(
    docs.map(async (d) => {
      try {
        await repo.find(`automerge:${d.id}`);
        found += 1;
      } catch {
        unavailable.push(d.id);
      }
    }),
  );
  out({ found, unavailable });
  clearTimeout(timer);
  await repo.shutdown();
  process.exit(0);
} else if (mode === "idle") {
  await connected;
  await sleep(2000);
  out({ offered: Object.keys(repo.handles).length });
  clearTimeout(timer);
  await repo.shutdown();
  process.exit(0);
} else {
  console.error(`unknown mode ${mode}`);
  process.exit(2);
}
