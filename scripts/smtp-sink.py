"""A real SMTP server for the tests (aiosmtpd): stores every message it accepts as a .eml file.

  smtp-sink.py --port P --maildir DIR [--cert C --key K] [--implicit-tls] [--auth USER:PASS]
               [--control FILE] [--pipelining]

--cert/--key turn on STARTTLS (or, with --implicit-tls, TLS from the first byte); --auth requires
AUTH (PLAIN or LOGIN, only over TLS); --control names a file whose content, when it holds an SMTP
reply such as "451 4.3.0 try later" or "550 5.1.1 no such user", is the answer to DATA instead
of accepting (empty or missing: accept). --pipelining offers PIPELINING (RFC 2920) in EHLO and
records in each message whether its RCPT and DATA had already arrived when MAIL was read
(X-Pipelined). A recipient whose address starts with "reject-" is refused with 550 5.1.1.
Prints "ready" once it listens; runs until SIGTERM.
"""
import argparse, os, signal, ssl, threading, time

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


class Sink:
    def __init__(self, maildir, control, pipelining):
        self.maildir, self.control, self.pipelining, self.n = maildir, control, pipelining, 0

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        session.host_name = hostname
        if self.pipelining:
            responses.insert(-1, "250-PIPELINING")
        return responses

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        # Bytes of the next commands already buffered when MAIL is read: the client pipelined.
        # (aiosmtpd's reader is private API; good enough for a test server.)
        session.pipelined = len(getattr(server._reader, "_buffer", b"")) > 0
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith("reject-"):
            return "550 5.1.1 no such user"
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.control and os.path.exists(self.control):
            reply = open(self.control).read().strip()
            if reply:
                return reply
        self.n += 1
        name = os.path.join(self.maildir, f"{time.time():.6f}-{self.n}.eml")
        with open(name + ".tmp", "wb") as f:
            f.write(f"X-Envelope-From: {envelope.mail_from}\r\nX-Envelope-To: {','.join(envelope.rcpt_tos)}\r\n".encode())
            f.write(f"X-Received-TLS: {session.ssl is not None}\r\nX-Authenticated: {session.authenticated}\r\n".encode())
            f.write(f"X-Client-Port: {session.peer[1] if session.peer else ''}\r\n".encode())
            f.write(f"X-Pipelined: {getattr(session, 'pipelined', False)}\r\n".encode())
            f.write(envelope.original_content)
        os.rename(name + ".tmp", name)
        return "250 2.0.0 OK"


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--maildir", required=True)
    p.add_argument("--cert")
    p.add_argument("--key")
    p.add_argument("--implicit-tls", action="store_true")
    p.add_argument("--auth")
    p.add_argument("--control")
    p.add_argument("--pipelining", action="store_true")
    a = p.parse_args()
    os.makedirs(a.maildir, exist_ok=True)
    context = None
    if a.cert:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(a.cert, a.key)
    kwargs = {}
    if a.auth:
        user, password = a.auth.split(":", 1)

        def authenticator(server, session, envelope, mechanism, auth_data):
            ok = isinstance(auth_data, LoginPassword) and auth_data.login.decode() == user and auth_data.password.decode() == password
            return AuthResult(success=ok, handled=False)  # handled=False: aiosmtpd answers 535 itself

        # With implicit TLS aiosmtpd does not see the connection as TLS; it is, so allow AUTH there.
        kwargs.update(authenticator=authenticator, auth_require_tls=not a.implicit_tls, auth_required=True)
    if context and a.implicit_tls:
        kwargs["ssl_context"] = context
    elif context:
        kwargs.update(tls_context=context, require_starttls=True)
    controller = Controller(Sink(a.maildir, a.control, a.pipelining), hostname="127.0.0.1", port=a.port, **kwargs)
    controller.start()
    print("ready", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    while not stop.wait(0.2):
        pass
    controller.stop()


if __name__ == "__main__":
    main()
