"""An SMTP server on aiosmtpd offering STARTTLS and, optionally, AUTH - the kind of upstream a relay meets.

It insists on STARTTLS before MAIL, so a delivery proves the relay encrypted. With "auth" it also insists
on AUTH (PLAIN or LOGIN, user "relay", password "secret"), over TLS only; with "auth-login", on AUTH LOGIN
alone. Each delivery is printed on
standard output as tab-separated fields: DELIVERED, the sender, the recipients (comma-separated), the MAIL
parameters (comma-separated), the content in base64.

Usage: python3 tls_smtp.py PORT CERT_PEM KEY_PEM [auth|auth-login]   (prints "READY"; stops when stdin closes)
"""
import base64
import ssl
import sys

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


def authenticator(server, session, envelope, mechanism, auth_data):
    ok = (isinstance(auth_data, LoginPassword)
          and auth_data.login == b'relay' and auth_data.password == b'secret')
    # handled=False: aiosmtpd then answers 535 itself (with True it would send nothing).
    return AuthResult(success=ok, handled=False)


class Handler:
    async def handle_DATA(self, server, session, envelope):
        print('\t'.join(['DELIVERED', envelope.mail_from, ','.join(envelope.rcpt_tos),
                         ','.join(envelope.mail_options),
                         base64.b64encode(envelope.original_content).decode('ascii')]), flush=True)
        return '250 2.0.0 Ok: delivered over TLS'


def main():
    port, cert, key = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    mode = sys.argv[4] if len(sys.argv) > 4 else ''
    with_auth = mode.startswith('auth')
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    controller = Controller(Handler(), hostname='127.0.0.1', port=port, tls_context=context,
                            require_starttls=True, auth_required=with_auth, auth_require_tls=True,
                            authenticator=authenticator,
                            auth_exclude_mechanism=['PLAIN'] if mode == 'auth-login' else None)
    controller.start()
    print('READY', flush=True)
    try:
        sys.stdin.read()
    finally:
        controller.stop()


if __name__ == '__main__':
    main()
