"""A local stand-in for api.stripe.com, enough for the official client to talk to.

It records every request (method, path, decoded form parameters, headers), replays the stored
response for a repeated Idempotency-Key as Stripe does, and keeps invoices in memory so tests can
pay them "online" and let the webhook re-read them.
"""

import itertools
import json
import re
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit


@dataclass
class Request:
    method: str
    path: str
    params: dict
    headers: dict = field(default_factory=dict)

    @property
    def idempotency_key(self):
        return self.headers.get("idempotency-key")


class FakeStripe:
    def __init__(self, port: int):
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.requests: list[Request] = []
        self.invoices: dict[str, dict] = {}
        self.fail_with: int | None = None  # answer every API call with this HTTP status
        self._ids = itertools.count(1)
        self._idempotent: dict[str, tuple[int, dict]] = {}
        self._lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _answer(self, status, body, content_type="application/json"):
                data = body if isinstance(body, bytes) else json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(data)))
                self.send_header("Request-Id", f"req_{next(fake._ids)}")
                self.end_headers()
                self.wfile.write(data)

            def _handle(self, method):
                parts = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode() if length else ""
                params = dict(parse_qsl(body or parts.query, keep_blank_values=True))
                headers = {k.lower(): v for k, v in self.headers.items()}
                request = Request(method, parts.path, params, headers)
                if parts.path.startswith("/hosted/"):
                    invoice = fake.invoices.get(parts.path.rsplit("/", 1)[-1], {})
                    page = (f"<!doctype html><title>Stripe invoice</title><h1>Pay invoice "
                            f"{invoice.get('metadata', {}).get('ncsup_invoice', '')}</h1>")
                    return self._answer(200, page.encode(), "text/html")
                with fake._lock:
                    fake.requests.append(request)
                    if fake.fail_with:
                        return self._answer(fake.fail_with, {"error": {
                            "type": "api_error", "message": "Fake Stripe is down."}})
                    key = request.idempotency_key
                    if key and key in fake._idempotent:
                        return self._answer(*fake._idempotent[key])
                    status, answer = fake.route(method, parts.path, params)
                    if key:
                        fake._idempotent[key] = (status, answer)
                return self._answer(status, answer)

            def do_GET(self):
                self._handle("GET")

            def do_POST(self):
                self._handle("POST")

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    # --- lifecycle ---
    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    # --- what the tests look at ---
    def calls(self, method=None, path=None):
        return [r for r in self.requests
                if (method is None or r.method == method) and (path is None or r.path == path)]

    def api_calls(self):
        return [(r.method, r.path) for r in self.requests]

    def pay_online(self, invoice_id: str, payment_intent: str = "pi_fake_1"):
        """What happens at Stripe when the member pays on the hosted page."""
        invoice = self.invoices[invoice_id]
        invoice.update(status="paid", amount_paid=invoice["amount_due"], amount_remaining=0,
                       amount_paid_off_stripe=0,
                       status_transitions={"paid_at": int(time.time())},
                       payments={"object": "list", "data": [{
                           "id": "inpay_1", "object": "invoice_payment", "status": "paid",
                           "amount_paid": invoice["amount_due"],
                           "payment": {"type": "payment_intent",
                                       "payment_intent": payment_intent}}]})
        return invoice

    # --- the API ---
    def _invoice(self, invoice_id):
        return self.invoices.get(invoice_id)

    def route(self, method, path, params):
        segments = [s for s in path.split("/") if s]
        if segments[:1] != ["v1"]:
            return 404, {"error": {"type": "invalid_request_error", "message": "No such path"}}
        resource, rest = segments[1], segments[2:]
        if method == "POST" and resource == "customers" and not rest:
            return 200, {"id": f"cus_fake_{next(self._ids)}", "object": "customer",
                         "email": params.get("email"), "name": params.get("name")}
        if method == "POST" and resource == "invoiceitems":
            invoice = self._invoice(params.get("invoice"))
            if invoice is None:
                return 404, {"error": {"type": "invalid_request_error",
                                       "message": "No such invoice"}}
            invoice["amount_due"] += int(params["amount"])
            return 200, {"id": f"ii_fake_{next(self._ids)}", "object": "invoiceitem",
                         "amount": int(params["amount"]), "invoice": invoice["id"]}
        if resource != "invoices":
            return 404, {"error": {"type": "invalid_request_error", "message": "Unknown"}}
        if method == "POST" and not rest:
            invoice_id = f"in_fake_{next(self._ids)}"
            self.invoices[invoice_id] = {
                "id": invoice_id, "object": "invoice", "status": "draft",
                "customer": params.get("customer"), "amount_due": 0, "amount_paid": 0,
                "amount_remaining": 0, "amount_paid_off_stripe": None,
                "hosted_invoice_url": None, "due_date": int(params.get("due_date", 0)),
                "collection_method": params.get("collection_method"),
                "metadata": {k[9:-1]: v for k, v in params.items()
                             if k.startswith("metadata[")},
                "status_transitions": {"paid_at": None}, "payments": None,
            }
            return 200, self.invoices[invoice_id]
        invoice = self._invoice(rest[0]) if rest else None
        if invoice is None:
            return 404, {"error": {"type": "invalid_request_error", "message": "No such invoice"}}
        action = rest[1] if len(rest) > 1 else ""
        if method == "GET" and not action:
            return 200, invoice
        if method == "POST" and not action:  # update: Stripe lets custom fields change
            fields = {}
            for key, value in params.items():
                found = re.match(r"custom_fields\[(\d+)\]\[(name|value)\]", key)
                if found:
                    fields.setdefault(int(found[1]), {})[found[2]] = value
            if "custom_fields" in params or fields:
                invoice["custom_fields"] = [fields[i] for i in sorted(fields)]
            return 200, invoice
        if method == "POST" and action == "finalize":
            invoice.update(status="open", amount_remaining=invoice["amount_due"],
                           hosted_invoice_url=f"{self.url}/hosted/{invoice['id']}")
            return 200, invoice
        if method == "POST" and action == "pay":
            if params.get("paid_out_of_band") == "true":
                invoice.update(status="paid", amount_paid=invoice["amount_due"],
                               amount_paid_off_stripe=invoice["amount_due"],
                               amount_remaining=0,
                               status_transitions={"paid_at": int(time.time())})
            return 200, invoice
        if method == "POST" and action == "void":
            invoice.update(status="void")
            return 200, invoice
        if method == "POST" and action == "mark_uncollectible":
            invoice.update(status="uncollectible")
            return 200, invoice
        return 404, {"error": {"type": "invalid_request_error", "message": "Unknown action"}}
