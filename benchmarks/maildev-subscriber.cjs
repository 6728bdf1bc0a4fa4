// MailDev's web UI live channel without the page: connects to MailDev's socket.io server as its UI does (same path,
// same transports, websocket first) and counts the events the UI would act on. run.sh uses it during the catcher
// comparison ("--catcher-ui node"), as curl reading /smtpd/api/events stands for our UI.
//
//   node maildev-subscriber.cjs MODULES_DIR http://127.0.0.1:PORT
//
// MODULES_DIR is the node_modules run.sh installed maildev and socket.io-client into. Prints "connected" once
// subscribed, and on SIGTERM "events newMail=N deleteMail=N other=N" before exiting.
"use strict";
const path = require("node:path");
const [modules, url] = process.argv.slice(2);
const { io } = require(path.join(modules, "socket.io-client"));

const counts = { newMail: 0, deleteMail: 0, other: 0 };
const socket = io(url, { path: "/socket.io", transports: ["websocket", "polling"] });
socket.on("connect", () => console.log("connected"));
socket.on("connect_error", (error) => console.log(`connect_error ${error.message}`));
socket.onAny((event) => {
  if (event in counts) {
    counts[event]++;
  } else {
    counts.other++;
  }
});
process.on("SIGTERM", () => {
  console.log(`events newMail=${counts.newMail} deleteMail=${counts.deleteMail} other=${counts.other}`);
  socket.close();
  process.exit(0);
});
