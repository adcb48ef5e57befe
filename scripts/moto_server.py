"""Local DynamoDB and Secrets Manager: moto's server, made to behave like AWS
where whosent relies on it.

Four differences from the stock server: the first two about isolation and
transactions, the last two about what a request costs (answers unchanged).

* Requests are served one at a time. moto's threaded server lets requests
  interleave, which real DynamoDB's item-level isolation does not show.
* TransactWriteItems checks every condition against the state before the
  transaction and writes only if all hold. Stock moto copies each table the
  transaction touches before writing, and puts the copy back when a condition
  fails: that costs time in proportion to the table (a busy local stack slows
  down push after push), and puts back over writes made in between.
* A query reads its partition, or the index's items, and sorts only those.
  Stock moto sorts every item of the table on each query, so that a query's
  time grows with the table, not with what it reads, as it would on AWS.
* The answers of DynamoDB's and the stream's data operations are written as
  JSON directly. Stock moto walks every attribute value through the service
  model's shapes, which took half of its time on a busy local stack.

Usage: python moto_server.py [--host 127.0.0.1] [--port 5000]
Environment: MOTO_TRACE=FILE appends a line per request (see main).
"""

import argparse
import inspect
import os
import threading
import time

from moto.dynamodb.comparisons import get_filter_expression
from moto.dynamodb.exceptions import (
    ConditionalCheckFailed,
    MultipleTransactionsException,
    TooManyTransactionsException,
    TransactionCanceledException,
    TransactWriteSingleOpException,
)
from moto.dynamodb.models import DynamoDBBackend
from moto.core.responses import ActionResult
from moto.dynamodb.models.table import Table
from moto.dynamodb.models.utilities import dynamo_json_dump
from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
from werkzeug.serving import run_simple


def transact_write_items(self, transact_items):
    """All conditions first, against the state before the transaction; then
    every write, or none."""
    if len(transact_items) > 100:
        raise TooManyTransactionsException()
    seen = set()
    planned = []  # (op_type, op, table_name, key)
    errors = []  # (code, message, item) per operation, as DynamoDB reports them
    for entry in transact_items:
        if len(entry) > 1:
            raise TransactWriteSingleOpException
        op_type, op = next(iter(entry.items()))
        if op_type not in {"ConditionCheck", "Put", "Delete", "Update"}:
            raise ValueError("Unsupported transaction operation")
        table_name = op["TableName"]
        if op_type == "Put":
            table = self.get_table(table_name)
            attrs = op["Item"]
            key = {table.hash_key_attr: attrs[table.hash_key_attr]}
            if table.range_key_attr is not None:
                key[table.range_key_attr] = attrs[table.range_key_attr]
        else:
            key = op["Key"]
        identity = (table_name, str(dict(sorted(key.items()))))
        if identity in seen:
            raise MultipleTransactionsException()
        seen.add(identity)
        current = self.get_item(table_name, key)
        condition = op.get("ConditionExpression")
        if condition is not None:
            holds = get_filter_expression(
                condition, op.get("ExpressionAttributeNames"), op.get("ExpressionAttributeValues")
            ).expr(current)
            if not holds:
                old = None
                if op.get("ReturnValuesOnConditionCheckFailure") == "ALL_OLD" and current:
                    old = current.to_json()["Attributes"]
                errors.append(("ConditionalCheckFailed", ConditionalCheckFailed().message, old))
                continue
        errors.append((None, None, None))
        planned.append((op_type, op, table_name, key))
    if any(code is not None for code, _, _ in errors):
        raise TransactionCanceledException(errors)

    # Keep what the writes replace, to put it back should a write fail.
    before = [(name, key, self.get_item(name, key)) for _, _, name, key in planned]
    try:
        for op_type, op, table_name, key in planned:
            names, values = op.get("ExpressionAttributeNames"), op.get("ExpressionAttributeValues")
            if op_type == "Put":
                self.put_item(table_name, op["Item"], expression_attribute_names=names,
                              expression_attribute_values=values)
            elif op_type == "Delete":
                self.delete_item(table_name, key, expression_attribute_names=names,
                                 expression_attribute_values=values)
            elif op_type == "Update":
                self.update_item(table_name, key, update_expression=op["UpdateExpression"],
                                 expression_attribute_names=names, expression_attribute_values=values,
                                 condition_expression=op.get("ConditionExpression"))
    except Exception:
        for table_name, key, item in before:
            if item is None:
                self.delete_item(table_name, key)
            else:
                self.put_item(table_name, item.to_json()["Attributes"])
        raise


stock_query = Table.query
QUERY_SIGNATURE = inspect.signature(stock_query)


def query(self, hash_key, *args, **kwargs):
    """The stock query over the items it can match: the partition's for the
    table, every item (unsorted; the index's order is applied after) for an
    index. Requests are served one at a time, so shadowing `all_items` for
    the call is safe."""
    index_name = QUERY_SIGNATURE.bind(self, hash_key, *args, **kwargs).arguments.get("index_name")
    if index_name is None and self.range_key_attr is not None and hash_key is not None:
        partition = self.items.get(hash_key, {})
        self.all_items = lambda: list(partition.values())
    else:
        self.all_items = lambda: [i for p in self.items.values() for i in (p.values() if self.range_key_attr else [p])]
    try:
        return stock_query(self, hash_key, *args, **kwargs)
    finally:
        del self.all_items


# Operations whose answers are plain data: items, keys, stream records.
DATA_OPERATIONS = {
    ("dynamodb", name)
    for name in ("GetItem", "BatchGetItem", "Query", "Scan", "PutItem", "UpdateItem", "DeleteItem",
                 "BatchWriteItem", "TransactGetItems", "TransactWriteItems")
} | {("dynamodbstreams", "GetRecords")}
stock_execute_result = ActionResult.execute_result


def execute_result(self, context):
    """Answers of the data operations as JSON (datetimes as epoch seconds,
    bytes as base64, as the stock serializer writes them); the rest, and
    every error, as stock moto does."""
    operation = (context.service_model.service_name, context.operation_model.name)
    if operation in DATA_OPERATIONS and isinstance(self.result, dict):
        return 200, {"Content-Type": "application/x-amz-json-1.0"}, dynamo_json_dump(self.result)
    return stock_execute_result(self, context)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-H", "--host", default="127.0.0.1")
    parser.add_argument("-p", "--port", type=int, default=5000)
    args = parser.parse_args()
    os.environ.setdefault("MOTO_PORT", str(args.port))

    DynamoDBBackend.transact_write_items = transact_write_items
    Table.query = query
    ActionResult.execute_result = execute_result
    app = DomainDispatcherApplication(create_backend_app)
    lock = threading.Lock()

    # MOTO_TRACE=FILE: a line per request (when it came, its operation, the
    # milliseconds it waited for its turn and was served), to see where a
    # busy local stack spends its time.
    trace = open(os.environ["MOTO_TRACE"], "a", buffering=1) if os.environ.get("MOTO_TRACE") else None

    def serialised(environ, start_response):
        asked = time.monotonic()
        with lock:
            began = time.monotonic()
            out = list(app(environ, start_response))
        if trace:
            served = time.monotonic() - began
            operation = environ.get("HTTP_X_AMZ_TARGET", environ.get("PATH_INFO", "-"))
            trace.write(f"{asked:.3f} {operation} {(began - asked) * 1000:.1f} {served * 1000:.1f}\n")
        return out

    run_simple(
        args.host,
        args.port,
        serialised,
        threaded=True,
        request_handler=MotoRequestHandler,
    )


if __name__ == "__main__":
    main()
