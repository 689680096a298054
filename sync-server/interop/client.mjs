// An automerge-repo client, as a JavaScript program would use the county server: it
// reads a case a Rust laptop wrote and adds a note to it.
//
//   node client.mjs WS_URL PEER_ID DOCUMENT_ID CASE_ID NOTE_TEXT
//
// Prints one JSON line with what it read, then `{"wrote": NOTE_ID}`, and stays
// connected until stdin closes (so the note reaches the server), at most 60 s.
import { Repo } from "@automerge/automerge-repo";
import { WebSocketClientAdapter } from "@automerge/automerge-repo-network-websocket";
import { randomUUID } from "node:crypto";

const [url, peerId, documentId, caseId, noteText] = process.argv.slice(2);
if (!noteText) {
  console.error("usage: node client.mjs WS_URL PEER_ID DOCUMENT_ID CASE_ID NOTE_TEXT");
  process.exit(2);
}

const repo = new Repo({ network: [new WebSocketClientAdapter(url)], peerId });
const fail = (why) => {
  console.error(why);
  process.exit(1);
};
const timer = setTimeout(() => fail("timed out"), 60_000);

const handle = await repo.find(`automerge:${documentId}`);
// The case may arrive after the document itself: wait for it.
let doc = handle.doc();
for (let i = 0; i < 100 && !doc?.cases?.[caseId]; i++) {
  await new Promise((r) => setTimeout(r, 100));
  doc = handle.doc();
}
const record = doc?.cases?.[caseId];
if (!record) fail(`case ${caseId} not in document ${documentId}`);
console.log(
  JSON.stringify({
    number: String(record.number),
    petitioner: String(record.petitioners?.[0]?.name ?? ""),
    request: String(record.content?.request ?? ""),
  }),
);

const noteId = randomUUID();
handle.change((d) => {
  d.cases[caseId].notes[noteId] = {
    id: noteId,
    author: randomUUID(),
    author_name: "网页客户端",
    written_at: new Date().toISOString().replace("Z", "+00:00"),
    text: noteText,
  };
});
console.log(JSON.stringify({ wrote: noteId }));

process.stdin.resume();
process.stdin.on("end", () => {
  clearTimeout(timer);
  repo.shutdown().finally(() => process.exit(0));
});
