"""Local DynamoDB and Secrets Manager: moto's server, one request at a time.

moto applies a transaction by copying the whole table first and restoring
that copy when the transaction is cancelled. Under its default threaded
server, a cancelled transaction (a duplicate push, say) can then erase writes
that other requests made meanwhile. Real DynamoDB isolates transactions, so
whosent runs moto with its requests serialised: each one sees and leaves a
consistent table, as on AWS.

Usage: python moto_server.py [--host 127.0.0.1] [--port 5000]
"""

import argparse
import os
import threading

from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
from werkzeug.serving import run_simple


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-H", "--host", default="127.0.0.1")
    parser.add_argument("-p", "--port", type=int, default=5000)
    args = parser.parse_args()
    os.environ.setdefault("MOTO_PORT", str(args.port))

    app = DomainDispatcherApplication(create_backend_app)
    lock = threading.Lock()

    def serialised(environ, start_response):
        with lock:
            return list(app(environ, start_response))

    run_simple(
        args.host,
        args.port,
        serialised,
        threaded=True,
        request_handler=MotoRequestHandler,
    )


if __name__ == "__main__":
    main()
