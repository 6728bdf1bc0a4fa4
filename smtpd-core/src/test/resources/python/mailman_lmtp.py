"""An LMTP server on aiosmtpd's LMTP class, answering the way Mailman 3's LMTP runner does.

Mailman 3 itself receives mail through aiosmtpd's LMTP server: it refuses unknown lists at RCPT with 550
and, after the data, answers once per recipient (the replies joined by CRLF). This handler does the same,
with the list behaviour chosen by the local part so that one server covers every test:
  nolist*  - no such list: 550 at RCPT
  held*    - a temporary failure after the data: 451
  closed*  - a permanent failure after the data: 550
  anything else - accepted.
Each accepted delivery is printed on standard output for the test to read, as one line of tab-separated
fields: DELIVERED, the sender, the recipient, the MAIL parameters (comma-separated), the content in base64.

Usage: python3 mailman_lmtp.py PORT   (prints "READY" once it listens; stops when stdin closes)
"""
import base64
import sys

from aiosmtpd.controller import Controller
from aiosmtpd.lmtp import LMTP


class MailmanLikeHandler:
    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.split('@')[0].startswith('nolist'):
            return '550 Requested action not taken: mailbox unavailable'
        envelope.rcpt_tos.append(address)
        return '250 Ok'

    async def handle_DATA(self, server, session, envelope):
        status = []
        for rcpt in envelope.rcpt_tos:
            local = rcpt.split('@')[0]
            if local.startswith('held'):
                status.append('451 Requested action aborted: error in processing')
            elif local.startswith('closed'):
                status.append('550 Requested action not taken: list closed')
            else:
                status.append('250 Ok')
                print('\t'.join(['DELIVERED', envelope.mail_from, rcpt, ','.join(envelope.mail_options),
                                 base64.b64encode(envelope.original_content).decode('ascii')]), flush=True)
        return '\r\n'.join(status)


class LMTPController(Controller):
    def factory(self):
        return LMTP(self.handler)


def main():
    controller = LMTPController(MailmanLikeHandler(), hostname='127.0.0.1', port=int(sys.argv[1]))
    controller.start()
    print('READY', flush=True)
    try:
        sys.stdin.read()
    finally:
        controller.stop()


if __name__ == '__main__':
    main()
