// Runs mailpit-api (a third-party TypeScript client of Mailpit's REST API, pinned in package.json) against
// smtpd's Mailpit-compatible API, one check per client method we support.
//
//   node mailpit-client-check.mjs BASE_URL FIXTURES.json
//
// BASE_URL is what a Mailpit client is given, e.g. http://127.0.0.1:8080/smtpd. FIXTURES.json describes the
// messages already sent to the server, oldest first (see MailpitClientCompatibilityTests), the SMTP address to
// send one more to (for waitForMessage) and the recipient to release a message to. Each check prints one JSON
// line; the first failure prints {"check": ..., "ok": false, "error": ...} and exits 1. Loopback only.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { connect } from "node:net";
import { MailpitClient } from "mailpit-api";

const [baseURL, fixturesFile] = process.argv.slice(2);
if (!baseURL || !fixturesFile) {
  console.error("usage: node mailpit-client-check.mjs BASE_URL FIXTURES.json");
  process.exit(2);
}
const fixtures = JSON.parse(readFileSync(fixturesFile, "utf8"));
const mailpit = new MailpitClient(baseURL);

class CheckFailed extends Error {}

function expect(condition, message) {
  if (!condition) {
    throw new CheckFailed(message);
  }
}

/** JSON with the keys of every object sorted, so that objects compare whatever their fields' order. */
function canonical(value) {
  return JSON.stringify(value, (key, item) => (item && typeof item === "object" && !Array.isArray(item)
    ? Object.fromEntries(Object.keys(item).sort().map((name) => [name, item[name]])) : item));
}

function equal(actual, expected, what) {
  expect(canonical(actual) === canonical(expected),
    `${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
}

let current = "";
async function check(name, body) {
  current = name;
  const started = performance.now();
  const details = (await body()) ?? {};
  console.log(JSON.stringify({ check: name, ok: true, ms: Math.round(performance.now() - started), ...details }));
}

/** Expects `promise` to reject with the client's error for HTTP `status`. */
async function rejectsWith(promise, status) {
  try {
    await promise;
  } catch (error) {
    expect(String(error.message).includes(`Mailpit API Error: ${status} `),
      `expected the client's error for HTTP ${status}, got: ${error.message}`);
    return error.message;
  }
  throw new CheckFailed(`expected HTTP ${status}, the call succeeded`);
}

/** Sends one message over SMTP, as a minimal client: greeting, EHLO, MAIL, RCPT, DATA, QUIT. */
function sendSmtp(address, from, to, lines) {
  const [host, port] = address.split(":");
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port: Number(port) });
    const commands = [`EHLO node.example.org`, `MAIL FROM:<${from}>`, `RCPT TO:<${to}>`, "DATA",
      lines.map((line) => (line.startsWith(".") ? "." + line : line)).join("\r\n") + "\r\n.", "QUIT"];
    let buffer = "";
    socket.setTimeout(10_000, () => socket.destroy(new Error("SMTP time-out")));
    socket.on("data", (chunk) => {
      buffer += chunk.toString("utf8");
      // A complete reply ends with a line "NNN text" (no hyphen after the code).
      const replies = buffer.split("\r\n");
      buffer = replies.pop();
      for (const reply of replies) {
        if (!/^\d{3} /.test(reply)) {
          continue;
        }
        if (!/^[23]/.test(reply)) {
          socket.destroy();
          reject(new Error(`SMTP server answered ${reply}`));
          return;
        }
        const next = commands.shift();
        if (next === undefined) {
          socket.end();
          resolve();
          return;
        }
        socket.write(next + "\r\n");
      }
    });
    socket.on("error", reject);
  });
}

const sent = fixtures.messages;
const byKey = Object.fromEntries(sent.map((message) => [message.key, message]));
const ids = {};

try {
  await check("getInfo", async () => {
    const info = await mailpit.getInfo();
    equal(info.Messages, sent.length, "Messages");
    equal(info.Unread, sent.length, "Unread");
    expect(typeof info.Version === "string" && info.Version.length > 0, "Version is a non-empty string");
    expect(typeof info.DatabaseSize === "number", "DatabaseSize is a number");
    expect(typeof info.RuntimeStats?.Uptime === "number", "RuntimeStats.Uptime is a number");
    expect(info.Tags !== null && typeof info.Tags === "object", "Tags is an object");
    return { Version: info.Version, Messages: info.Messages };
  });

  await check("getConfiguration", async () => {
    const config = await mailpit.getConfiguration();
    equal(config.MessageRelay.Enabled, true, "MessageRelay.Enabled");
    expect(config.MessageRelay.SMTPServer.length > 0, "MessageRelay.SMTPServer is set");
    equal(typeof config.SpamAssassin, "boolean", "type of SpamAssassin");
    return { SMTPServer: config.MessageRelay.SMTPServer };
  });

  await check("listMessages", async () => {
    const list = await mailpit.listMessages();
    equal(list.total, sent.length, "total");
    equal(list.messages_count, sent.length, "messages_count");
    equal(list.unread, sent.length, "unread");
    equal(list.start, 0, "start");
    equal(list.tags, [], "tags");
    // Newest first.
    equal(list.messages.map((m) => m.Subject), sent.map((m) => m.subject).reverse(), "subjects, newest first");
    for (const item of list.messages) {
      const message = sent.find((m) => m.subject === item.Subject);
      ids[message.key] = item.ID;
      expect(typeof item.ID === "string" && item.ID.length > 0, "ID is a non-empty string");
      equal(item.From, message.from, `From of ${message.key}`);
      equal(item.To, message.to, `To of ${message.key}`);
      equal(item.Read, false, `Read of ${message.key}`);
      equal(item.Attachments, message.attachment ? 1 : 0, `Attachments of ${message.key}`);
      expect(!Number.isNaN(Date.parse(item.Created)), `Created is a date: ${item.Created}`);
      expect(item.Size > 0, "Size > 0");
      expect(Array.isArray(item.Tags), "Tags is an array");
      expect(typeof item.Snippet === "string", "Snippet is a string");
    }
    const page = await mailpit.listMessages(1, 1);
    equal(page.start, 1, "start of the second page");
    equal(page.messages.length, 1, "messages on a page of 1");
    equal(page.messages[0].Subject, sent[sent.length - 2].subject, "the second newest");
    equal(page.messages_count, sent.length, "messages_count of a page");
    return { ids };
  });

  await check("searchMessages from:", async () => {
    const address = byKey.invoice.from.Address;
    const result = await mailpit.searchMessages({ query: `from:${address}` });
    const expected = sent.filter((m) => m.from.Address === address).map((m) => m.subject).reverse();
    equal(result.messages.map((m) => m.Subject), expected, `subjects from ${address}`);
    equal(result.messages_count, expected.length, "messages_count");
    equal(result.total, sent.length, "total (the whole mailbox)");
    return { query: `from:${address}`, found: expected.length };
  });

  await check("searchMessages subject: (UTF-8)", async () => {
    const word = byKey.invoice.subjectWord;
    const result = await mailpit.searchMessages({ query: `subject:${word}` });
    equal(result.messages.map((m) => m.Subject), [byKey.invoice.subject], `subject:${word}`);
    const phrase = await mailpit.searchMessages({ query: `subject:"${byKey.reset.subject}"` });
    equal(phrase.messages.map((m) => m.Subject), [byKey.reset.subject], "a quoted subject");
    return { subject: result.messages[0].Subject };
  });

  await check("searchMessages words", async () => {
    const word = byKey.digest.bodyWord;
    const result = await mailpit.searchMessages({ query: word, start: 0, limit: 10, tz: "Europe/Paris" });
    equal(result.messages.map((m) => m.Subject), [byKey.digest.subject], `a word of the body: ${word}`);
    const none = await mailpit.searchMessages({ query: `${word} -${word}` });
    equal(none.messages_count, 0, "a word and its negation");
    const negated = await mailpit.searchMessages({ query: `-${word}` });
    equal(negated.messages_count, sent.length - 1, "a negated word");
    return { query: word };
  });

  await check("getMessageSummary by ID", async () => {
    const expected = byKey.invoice;
    const message = await mailpit.getMessageSummary(ids.invoice);
    equal(message.ID, ids.invoice, "ID");
    equal(message.Subject, expected.subject, "Subject");
    equal(message.From, expected.from, "From");
    equal(message.To, expected.to, "To");
    equal(message.Cc, expected.cc, "Cc");
    equal(message.Bcc, [], "Bcc");
    expect(message.MessageID.length > 0 && !message.MessageID.includes("<"), `MessageID without <>: ${message.MessageID}`);
    expect(message.Text.includes(expected.text), `Text includes ${JSON.stringify(expected.text)}: ${message.Text}`);
    expect(message.HTML.includes(expected.html), `HTML includes ${JSON.stringify(expected.html)}: ${message.HTML}`);
    expect(!Number.isNaN(Date.parse(message.Date)), `Date is a date: ${message.Date}`);
    equal(message.Inline, [], "Inline");
    equal(message.Attachments.length, 1, "number of attachments");
    const attachment = message.Attachments[0];
    const bytes = Buffer.from(expected.attachment.base64, "base64");
    equal(attachment.FileName, expected.attachment.fileName, "FileName");
    equal(attachment.ContentType, expected.attachment.contentType, "ContentType");
    equal(attachment.Size, bytes.length, "Size of the attachment");
    for (const [field, algorithm] of [["MD5", "md5"], ["SHA1", "sha1"], ["SHA256", "sha256"]]) {
      equal(attachment.Checksums[field], createHash(algorithm).update(bytes).digest("hex"), `Checksums.${field}`);
    }
    equal(typeof message.ListUnsubscribe.Header, "string", "type of ListUnsubscribe.Header");
    equal(message.Tags, [], "Tags");
    const listed = await mailpit.listMessages();
    equal(listed.messages.find((m) => m.ID === ids.invoice).Read, true, "Read after opening it");
    return { Subject: message.Subject, PartID: attachment.PartID };
  });

  await check("getMessageSummary latest", async () => {
    const latest = await mailpit.getMessageSummary();
    equal(latest.Subject, sent[sent.length - 1].subject, "the latest message's Subject");
    equal(latest.ID, ids[sent[sent.length - 1].key], "the latest message's ID");
    const named = await mailpit.getMessageSummary("latest");
    equal(named.ID, latest.ID, "latest, named");
    const missing = await rejectsWith(mailpit.getMessageSummary("999999999"), 404);
    return { ID: latest.ID, missing };
  });

  await check("getMessageHeaders", async () => {
    const headers = await mailpit.getMessageHeaders(ids.invoice);
    equal(headers.Subject, [byKey.invoice.subject], "Subject, decoded");
    expect(headers.From?.[0]?.includes(byKey.invoice.from.Address), `From: ${JSON.stringify(headers.From)}`);
    for (const [name, values] of Object.entries(headers)) {
      expect(Array.isArray(values) && values.every((value) => typeof value === "string"), `${name}: an array of strings`);
    }
    const names = Object.keys(headers);
    equal(names, [...names].sort(), "header names in alphabetical order");
    // Mailpit reads headers with Go's net/mail, which writes names canonically: Message-Id, Mime-Version.
    expect(headers["Message-Id"]?.length === 1, `Message-Id, as Mailpit names it: ${JSON.stringify(names)}`);
    equal(headers["Mime-Version"], ["1.0"], "Mime-Version");
    const latest = await mailpit.getMessageHeaders();
    equal(latest.Subject, [sent[sent.length - 1].subject], "the latest message's Subject");
    return { names };
  });

  await check("getMessageSource", async () => {
    const source = await mailpit.getMessageSource(ids.invoice);
    const summary = await mailpit.getMessageSummary(ids.invoice);
    equal(Buffer.byteLength(source, "utf8"), summary.Size, "bytes of the source against Size");
    expect(/^Subject: =\?UTF-8\?/im.test(source), "the Subject header, encoded as sent");
    expect(source.includes(`filename=${byKey.invoice.attachment.fileName}`)
      || source.includes(`filename="${byKey.invoice.attachment.fileName}"`), "the attachment's header");
    const latest = await mailpit.getMessageSource();
    expect(latest.includes(sent[sent.length - 1].text), "the latest message's text");
    return { bytes: summary.Size };
  });

  await check("getMessageAttachment", async () => {
    const summary = await mailpit.getMessageSummary(ids.invoice);
    const blob = await mailpit.getMessageAttachment(ids.invoice, summary.Attachments[0].PartID);
    const bytes = Buffer.from(await blob.arrayBuffer());
    const expected = Buffer.from(byKey.invoice.attachment.base64, "base64");
    expect(bytes.equals(expected), `the attachment's bytes (${bytes.length}) equal those sent (${expected.length})`);
    expect(blob.type.startsWith(byKey.invoice.attachment.contentType), `blob.type ${blob.type}`);
    await rejectsWith(mailpit.getMessageAttachment(ids.invoice, "9.9"), 404);
    return { bytes: bytes.length, type: blob.type };
  });

  await check("setReadStatus", async () => {
    const unreadOf = async () => (await mailpit.getInfo()).Unread;
    equal(await mailpit.setReadStatus(), "ok", "all unread (no arguments)");
    equal(await unreadOf(), sent.length, "Unread after marking all unread");
    equal(await mailpit.setReadStatus({ IDs: [ids.digest], Read: true }), "ok", "IDs read");
    const list = await mailpit.listMessages();
    equal(list.messages.filter((m) => m.Read).map((m) => m.ID), [ids.digest], "the read message");
    equal(list.unread, sent.length - 1, "unread in the list");
    equal(await mailpit.setReadStatus({ Read: true }), "ok", "all read");
    equal(await unreadOf(), 0, "Unread after marking all read");
    const address = byKey.invoice.from.Address;
    equal(await mailpit.setReadStatus({ Search: `from:${address}`, Read: false }), "ok", "a search unread");
    const expected = sent.filter((m) => m.from.Address === address).length;
    equal(await unreadOf(), expected, "Unread after marking a search unread");
    equal(await mailpit.setReadStatus({ Search: "is:unread", Read: true }, { tz: "Pacific/Auckland" }), "ok",
      "a search with a time zone");
    equal(await unreadOf(), 0, "Unread after is:unread read");
    equal(await mailpit.setReadStatus({ IDs: [ids.invoice, ids.reset] }), "ok", "IDs unread (Read left out)");
    equal(await unreadOf(), 2, "Unread after marking two unread");
    const unread = await mailpit.searchMessages({ query: "is:unread" });
    equal(unread.messages.map((m) => m.ID).sort(), [ids.invoice, ids.reset].sort(), "is:unread");
    return {};
  });

  await check("getTags", async () => {
    equal(await mailpit.getTags(), [], "tags");
    return {};
  });

  await check("releaseMessage", async () => {
    const answer = await mailpit.releaseMessage(ids.invoice, { To: [fixtures.releaseTo] });
    equal(answer, "ok", "the answer");
    const refused = await rejectsWith(mailpit.releaseMessage(ids.invoice, { To: [] }), 400);
    return { to: fixtures.releaseTo, refusedEmpty: refused };
  });

  await check("waitForMessage", async () => {
    // Sent while the client waits: the wait must see it arrive.
    const subject = `Arrives later ${Date.now()}`;
    const sending = new Promise((resolve) => setTimeout(resolve, 600)).then(() => sendSmtp(fixtures.smtp,
      "late@example.org", "waiter@example.org", ["From: Late Sender <late@example.org>", "To: waiter@example.org",
        `Subject: ${subject}`, "Message-ID: <late-" + Date.now() + "@example.org>", "", "It came later."]));
    const started = performance.now();
    const message = await mailpit.waitForMessage({ query: `subject:"${subject}"` }, { timeout: 15_000, interval: 100 });
    await sending;
    const waited = Math.round(performance.now() - started);
    equal(message.Subject, subject, "the awaited message's Subject");
    equal(message.From, { Name: "Late Sender", Address: "late@example.org" }, "From");
    expect(message.Text.includes("It came later."), "Text");
    ids.late = message.ID;
    const present = await mailpit.waitForMessage({ query: `from:${byKey.digest.from.Address}` }, { timeout: 2000 });
    equal(present.ID, ids.digest, "a message already there");
    try {
      await mailpit.waitForMessage({ query: "subject:never-sent-anything" }, { timeout: 400, interval: 100 });
      throw new CheckFailed("waiting for a message never sent did not time out");
    } catch (error) {
      expect(error.message.startsWith("Timeout waiting for messages"), `the time-out: ${error.message}`);
    }
    return { waitedMs: waited };
  });

  await check("waitForMessages", async () => {
    const total = sent.length + 1;
    const all = await mailpit.waitForMessages({ count: total, exact: true }, { timeout: 2000 });
    equal(all.messages_count, total, "messages_count, all");
    const options = await mailpit.waitForMessages({ timeout: 2000, interval: 100 });
    equal(options.total, total, "with options only");
    const address = byKey.invoice.from.Address;
    const searched = await mailpit.waitForMessages({ query: `from:${address}`, count: 2, limit: 1 }, { timeout: 2000 });
    expect(searched.messages_count >= 2, "at least 2 from " + address);
    equal(searched.messages.length, 1, "limit 1");
    try {
      await mailpit.waitForMessages({ count: total + 1 }, { timeout: 400, interval: 100 });
      throw new CheckFailed("waiting for more messages than there are did not time out");
    } catch (error) {
      expect(error.message.startsWith("Timeout waiting for messages"), `the time-out: ${error.message}`);
    }
    return { total };
  });

  await check("deleteMessages IDs", async () => {
    equal(await mailpit.deleteMessages({ IDs: [ids.digest, ids.late] }), "ok", "the answer");
    const list = await mailpit.listMessages();
    equal(list.total, sent.length - 1, "total after deleting two");
    expect(!list.messages.some((m) => m.ID === ids.digest || m.ID === ids.late), "the deleted are gone");
    await rejectsWith(mailpit.getMessageSummary(ids.digest), 404);
    return { deleted: [ids.digest, ids.late] };
  });

  await check("deleteMessagesBySearch", async () => {
    equal(await mailpit.deleteMessagesBySearch({ query: `subject:"${byKey.reset.subject}"` }), "ok", "the answer");
    const list = await mailpit.listMessages();
    equal(list.messages.map((m) => m.ID), [ids.invoice], "what is left");
    return {};
  });

  await check("deleteMessages all", async () => {
    equal(await mailpit.deleteMessages(), "ok", "the answer");
    const list = await mailpit.listMessages();
    equal(list.total, 0, "total after deleting all");
    equal(list.messages, [], "messages after deleting all");
    equal((await mailpit.getInfo()).Messages, 0, "Messages in getInfo");
    equal((await mailpit.waitForMessages({ count: 0 }, { timeout: 1000 })).messages_count, 0, "waitForMessages 0");
    await rejectsWith(mailpit.getMessageSummary(), 404);
    return {};
  });
} catch (error) {
  console.log(JSON.stringify({ check: current, ok: false, error: error.message }));
  console.error(`FAILED ${current}: ${error.message}`);
  process.exit(1);
}
console.log(JSON.stringify({ check: "all", ok: true }));
