"""A strict SMTP relay for the campaign's process tests, on aiosmtpd (Debian's python3-aiosmtpd).

It is not ours: the SMTP dialogue is aiosmtpd's. What this file adds is a policy the test changes while the
relay runs (a JSON file read at every RCPT TO): recipients answered "452 4.2.2 Mailbox full", and a delay
before each DATA is accepted (a slow relay). No SMTPUTF8 is announced. Every accepted message is appended
to the log file as one line: recipient, a tab, the Message-ID.

usage: strict_relay.py PORT POLICY_JSON LOG_FILE
"""
import asyncio
import json
import signal
import sys

from aiosmtpd.controller import Controller

port, policy_path, log_path = int(sys.argv[1]), sys.argv[2], sys.argv[3]


def policy():
    try:
        with open(policy_path, encoding="utf-8") as f:
            return json.load(f)
    except FileNotFoundError:
        return {}


class StrictRelay:
    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower() in [a.lower() for a in policy().get("defer", [])]:
            return "452 4.2.2 <%s>: Mailbox full" % address
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server, session, envelope):
        delay = policy().get("delay_ms", 0)
        if delay:
            await asyncio.sleep(delay / 1000.0)
        message_id = ""
        for line in envelope.original_content.decode("utf-8", "replace").splitlines():
            if line.lower().startswith("message-id:"):
                message_id = line.split(":", 1)[1].strip()
                break
            if not line:
                break
        with open(log_path, "a", encoding="utf-8") as log:
            for rcpt in envelope.rcpt_tos:
                log.write("%s\t%s\n" % (rcpt, message_id))
        return "250 2.0.0 OK: queued"


controller = Controller(StrictRelay(), hostname="127.0.0.1", port=port, enable_SMTPUTF8=False)
controller.start()
print("listening on %d" % port, flush=True)
signal.sigwait({signal.SIGTERM, signal.SIGINT})
controller.stop()
