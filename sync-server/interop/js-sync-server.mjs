// The JavaScript automerge-repo sync server, as the automerge project runs it (a Repo
// with the Node WebSocket server adapter that shares nothing unasked), for the side-by-
// side benchmark. With DATA_DIR it stores documents there with the Node filesystem
// adapter, as `automerge-repo-sync-server` does (it never fsyncs); without, in memory.
//
//   node js-sync-server.mjs [DATA_DIR]   → prints "listening PORT", stops when stdin closes
import { Repo } from "@automerge/automerge-repo";
import { NodeWSServerAdapter } from "@automerge/automerge-repo-network-websocket";
import { NodeFSStorageAdapter } from "@automerge/automerge-repo-storage-nodefs";
import { WebSocketServer } from "ws";

const dataDir = process.argv[2];
const wss = new WebSocketServer({ host: "127.0.0.1", port: 0 });
await new Promise((resolve) => wss.on("listening", resolve));
new Repo({
  network: [new NodeWSServerAdapter(wss)],
  storage: dataDir ? new NodeFSStorageAdapter(dataDir) : undefined,
  peerId: "js-sync-server",
  sharePolicy: async () => false,
});
console.log(`listening ${wss.address().port}`);
process.stdin.resume();
process.stdin.on("end", () => process.exit(0));
