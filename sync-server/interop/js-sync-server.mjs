// The JavaScript automerge-repo sync server, as the automerge project runs it (a Repo
// with the Node WebSocket server adapter that shares nothing unasked), for the side-by-
// side benchmark. In-memory storage: the JS side does no disk writes at all.
//
//   node js-sync-server.mjs      → prints "listening PORT", stops when stdin closes
import { Repo } from "@automerge/automerge-repo";
import { NodeWSServerAdapter } from "@automerge/automerge-repo-network-websocket";
import { WebSocketServer } from "ws";

const wss = new WebSocketServer({ host: "127.0.0.1", port: 0 });
await new Promise((resolve) => wss.on("listening", resolve));
new Repo({
  network: [new NodeWSServerAdapter(wss)],
  peerId: "js-sync-server",
  sharePolicy: async () => false,
});
console.log(`listening ${wss.address().port}`);
process.stdin.resume();
process.stdin.on("end", () => process.exit(0));
