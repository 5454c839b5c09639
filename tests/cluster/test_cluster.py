"""The production topology, for real: PostgreSQL, Redis, HAProxy, two webhook acceptors,
two Rasa replicas and two action servers (harness/cluster.py), driven over the load
balancer by 50 Messenger customers at once, with replicas killed under load.

Every customer walks the same four steps in a closed loop, as in `make bench`; each
step's replies are counted at the fake Graph API. A customer's conversation must
match the quiet calibration run's: the same replies, once each, in the same order,
and the same cart in the tracker store (PostgreSQL)."""

from __future__ import annotations

import asyncio
import signal
import threading
import uuid
from typing import Any, Callable, Dict, Iterator, List, Optional, Tuple

import aiohttp
import pytest
import redis
import requests
from requests.adapters import HTTPAdapter

from bench.__main__ import calibrate
from bench.doors import Faults, MessengerDoor, Turn
from harness.cluster import LEASE_SECONDS, Cluster, start_cluster
from harness.servers import PROJECT_ROOT
from harness.stack import APP_SECRET, wait_for
from shop.ledger import Ledger
from tests.integration import test_bank_methods as bank
from tests.integration.test_payments import approve, captures_of, checkout, deliveries, receipts

pytestmark = [pytest.mark.cluster, pytest.mark.timeout(900)]

CUSTOMERS = 50
STEPS = ["hi", "show me your lights", "add two ember rear lights to my cart", "what's in my cart?"]
# The longest a customer may wait for one step when a replica died under it: its
# events wait for the intake lease (5 s), its conversation for Rasa's lock (20 s).
STEP_SECONDS = 90.0


@pytest.fixture(scope="module")
def cluster() -> Iterator[Cluster]:
    running = start_cluster(PROJECT_ROOT / ".run" / "tests" / "cluster")
    yield running
    running.stop()


@pytest.fixture(scope="module")
def reference(cluster: Cluster) -> Dict[str, Any]:
    """One quiet conversation: the replies per step and the messages' shapes, and the cart."""
    door = new_door(cluster)
    counts = asyncio.run(calibrate(door, STEPS))
    psid = next(iter(door.expected))
    return {"counts": counts, "shapes": shapes(cluster.messages(psid)), "cart": cluster.tracker(psid)["slots"]["cart"]}


def new_door(cluster: Cluster) -> MessengerDoor:
    return MessengerDoor("cluster", cluster.webhook_url, cluster.graph_url, APP_SECRET, Faults(), redeliver=True)


def shapes(messages: List[Dict[str, Any]]) -> List[str]:
    """What kind of message each reply is (text, quick replies, a template type): the same
    for everyone, whatever wording a response variation picks."""
    kinds = []
    for message in messages:
        payload = (message.get("attachment") or {}).get("payload") or {}
        kinds.append(
            payload.get("template_type")
            or (message.get("attachment") or {}).get("type")
            or ("quick_replies" if message.get("quick_replies") else "text")
        )
    return kinds


def drive(
    cluster: Cluster, counts: List[int], meanwhile: Optional[Callable[[], None]] = None, after_turns: int = CUSTOMERS
) -> Tuple[MessengerDoor, List[Turn]]:
    """50 customers through the steps at once; ``meanwhile`` runs in a thread once
    ``after_turns`` turns are done (a kill under load)."""
    door = new_door(cluster)
    turns: List[Turn] = []
    fault: Dict[str, threading.Thread] = {}

    async def customer(session: aiohttp.ClientSession) -> None:
        psid = f"cl{uuid.uuid4().hex[:12]}"
        for text, expected in zip(STEPS, counts, strict=True):
            turns.append(await door.turn(session, psid, text, expected))
            if meanwhile is not None and len(turns) >= after_turns and not fault:
                fault["thread"] = threading.Thread(target=meanwhile)
                fault["thread"].start()

    async def everyone() -> None:
        timeout = aiohttp.ClientTimeout(total=STEP_SECONDS + 30)
        async with aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=4 * CUSTOMERS), timeout=timeout
        ) as session:
            await asyncio.gather(*(customer(session) for _ in range(CUSTOMERS)))

    asyncio.run(everyone())
    if "thread" in fault:
        fault["thread"].join(timeout=300)
    assert meanwhile is None or fault, "the fault never ran: the load ended first"
    return door, turns


def intake_pending(cluster: Cluster) -> int:
    """Accepted Messenger events not yet acknowledged, over the Redis intake's streams."""
    client = redis.Redis(host="127.0.0.1", port=cluster.extra["redis_port"], db=1, socket_timeout=5)
    try:
        return sum(client.xlen(key) for key in client.scan_iter(match="kassa:intake:[0-9]*", count=100))
    except redis.RedisError:  # restarting: not drained as far as anyone can tell
        return -1
    finally:
        client.close()


def check_conversations(cluster: Cluster, door: MessengerDoor, turns: List[Turn], reference: Dict[str, Any]) -> None:
    lost = [t for t in turns if not t.ok]
    assert not lost, f"{len(lost)} turn(s) failed: {[(t.step, t.error) for t in lost[:5]]}"
    # every accepted event acknowledged: no turn left to run, so a duplicate would show by now
    assert wait_for(lambda: intake_pending(cluster) == 0, STEP_SECONDS), (
        f"{intake_pending(cluster)} event(s) never acknowledged"
    )
    wrong = {}
    for psid in door.expected:
        got = shapes(cluster.messages(psid))
        if got != reference["shapes"]:
            wrong[psid] = got
    assert not wrong, (
        f"{len(wrong)} conversation(s) differ from the reference {reference['shapes']}: {list(wrong.items())[:3]}"
    )
    carts = {psid: cluster.tracker(psid)["slots"]["cart"] for psid in door.expected}
    assert reference["cart"] and all(cart == reference["cart"] for cart in carts.values()), carts


def test_50_customers_over_the_balancer_get_every_reply_once_in_order(
    cluster: Cluster, reference: Dict[str, Any]
) -> None:
    door, turns = drive(cluster, reference["counts"])
    check_conversations(cluster, door, turns, reference)
    replicas = [requests.get(f"{url}/", timeout=5).ok for url in cluster.replica_urls()]
    assert replicas == [True, True]


def test_kill_9_of_a_rasa_replica_under_load_loses_and_doubles_nothing(
    cluster: Cluster, reference: Dict[str, Any]
) -> None:
    door, turns = drive(cluster, reference["counts"], lambda: cluster.kill("rasa-1"))
    try:
        check_conversations(cluster, door, turns, reference)
    finally:
        cluster.start("rasa-1")


def test_kill_9_of_an_action_server_under_load_loses_nothing(cluster: Cluster, reference: Dict[str, Any]) -> None:
    door, turns = drive(cluster, reference["counts"], lambda: cluster.kill("actions-1"), after_turns=CUSTOMERS + 10)
    try:
        check_conversations(cluster, door, turns, reference)
    finally:
        cluster.start("actions-1")


def test_a_redis_restart_under_load_loses_nothing_that_was_acknowledged(
    cluster: Cluster, reference: Dict[str, Any]
) -> None:
    door, turns = drive(cluster, reference["counts"], lambda: cluster.restart("redis"))
    check_conversations(cluster, door, turns, reference)
    print(f"deliveries answered other than 200 while Redis restarted, and delivered again: {door.redelivered}")


def test_a_rolling_deploy_sigterm_of_a_replica_under_load_runs_nothing_twice(
    cluster: Cluster, reference: Dict[str, Any]
) -> None:
    def rolling_deploy() -> None:
        """SIGTERM, as Kubernetes or compose stop a container: the replica drains and exits by
        itself (no kill after it), then the new one starts."""
        process = cluster.parts["rasa-1"].process
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=120)
        cluster.start("rasa-1")

    door, turns = drive(cluster, reference["counts"], rolling_deploy)
    check_conversations(cluster, door, turns, reference)


def test_a_replica_paused_past_its_lease_runs_and_acknowledges_nothing_it_lost(
    cluster: Cluster, reference: Dict[str, Any]
) -> None:
    def pause() -> None:
        """SIGSTOP (a stalled VM, a long GC pause) for three leases, then SIGCONT."""
        process = cluster.parts["rasa-2"].process
        process.send_signal(signal.SIGSTOP)
        try:
            threading.Event().wait(3 * float(LEASE_SECONDS))  # the fault's length, not a wait for a result
        finally:
            process.send_signal(signal.SIGCONT)

    door, turns = drive(cluster, reference["counts"], pause)
    check_conversations(cluster, door, turns, reference)


def test_a_postgresql_restart_under_load_loses_and_doubles_nothing(cluster: Cluster, reference: Dict[str, Any]) -> None:
    door, turns = drive(cluster, reference["counts"], lambda: cluster.restart("postgres"))
    check_conversations(cluster, door, turns, reference)


def test_redis_killed_under_load_loses_nothing_it_acknowledged(cluster: Cluster, reference: Dict[str, Any]) -> None:
    """kill -9 of Redis: with appendfsync always every write it answered is on disk, so the
    intake, the leases and the marks of replies sent come back as they were."""

    def crash() -> None:
        cluster.kill("redis")
        cluster.start("redis")

    door, turns = drive(cluster, reference["counts"], crash)
    check_conversations(cluster, door, turns, reference)
    print(f"deliveries answered other than 200 while Redis was down, and delivered again: {door.redelivered}")


def test_bank_payments_completed_after_a_newer_checkout_charge_each_cart_once(
    cluster: Cluster, reference: Dict[str, Any]
) -> None:
    """Under 50 customers: a slow bank and a new checkout (no second order), and a replaced
    bank order the bank completes anyway (refunded at once, told once)."""
    outcome: Dict[str, Any] = {}

    def bank_customers() -> None:
        outcome["slow"] = slow_bank_then_checkout(cluster, f"bk{uuid.uuid4().hex[:12]}")
        outcome["replaced"] = replaced_bank_order_paid(cluster, f"br{uuid.uuid4().hex[:12]}")

    door, turns = drive(cluster, reference["counts"], bank_customers)
    check_conversations(cluster, door, turns, reference)
    ledger = Ledger(cluster.extra["database"])
    psid, bank_order = outcome["slow"]
    assert wait_for(lambda: len(receipts(cluster, psid)) == 1, 60)
    charged = [r.order_id for r in ledger.orders(psid) if r.status in ("COMPLETED", "PENDING", "APPROVED")]
    assert charged == [bank_order] and captures_of(cluster, bank_order) == 1
    psid, replaced = outcome["replaced"]
    assert wait_for(lambda: ledger.order(replaced).status == "REFUNDED", 60)
    told = lambda: [t for t in bank.texts(cluster, psid) if "volledig teruggestort" in t]  # noqa: E731
    assert wait_for(told, 30) and len(told()) == 1 and receipts(cluster, psid) == []
    assert not [r for r in ledger.orders(psid) if r.status == "COMPLETED"]


def slow_bank_then_checkout(cluster: Cluster, psid: str) -> Tuple[str, str]:
    url, order_id = bank.start_ideal(cluster, psid, "Sanne", "de Vries", seconds=60)
    bank.sandbox(cluster, f"orders/{order_id}/bank-approval/hold")
    bank.approve_at_bank(cluster, url)
    assert wait_for(lambda: Ledger(cluster.extra["database"]).order(order_id).status == "APPROVED", 60)
    bank.deliver(cluster, bank.webhooks.text_event(psid, "afrekenen"))
    assert wait_for(lambda: any("al onderweg" in t for t in bank.texts(cluster, psid)), 60), bank.texts(cluster, psid)
    bank.sandbox(cluster, f"orders/{order_id}/bank-approval/complete")
    return psid, order_id


def replaced_bank_order_paid(cluster: Cluster, psid: str) -> Tuple[str, str]:
    url, order_id = bank.start_ideal(cluster, psid, "Daan", "Jansen", seconds=60)
    bank.deliver(cluster, bank.webhooks.text_event(psid, "afrekenen"))  # a newer checkout replaces the bank order
    assert wait_for(lambda: Ledger(cluster.extra["database"]).order(order_id).status == "SUPERSEDED", 60)
    bank.approve_at_bank(cluster, url)  # the old bank link, approved anyway: PayPal completes it
    return psid, order_id


def test_a_payment_through_the_cluster_captures_once_and_sends_one_receipt(cluster: Cluster) -> None:
    psid = f"pay{uuid.uuid4().hex[:12]}"
    _, order_id = checkout(cluster, psid)
    return_url = approve(cluster, order_id)
    assert return_url.startswith(cluster.rasa_url)  # back through the balancer, to either replica
    for _ in range(3):  # the buyer reloads the page: still one capture
        assert requests.get(return_url, timeout=30).status_code == 200
    assert wait_for(lambda: receipts(cluster, psid), 60)
    # PayPal's webhooks for the same payment reach the other replica too: wait until each was
    # accepted and handled, by when a second receipt would have gone out
    ledger = Ledger(cluster.extra["database"])
    handled = wait_for(lambda: [d for d in deliveries(cluster, order_id) if 200 in d["attempts"]], 60)
    assert handled and wait_for(
        lambda: all((ledger.event_state(d["id"]) or {}).get("status") == "done" for d in handled), 60
    )
    assert len(receipts(cluster, psid)) == 1
    assert captures_of(cluster, order_id) == 1
    record = Ledger(cluster.extra["database"]).order(order_id)
    assert record is not None and record.status == "COMPLETED" and record.receipt_sent_at


class FromAddress(HTTPAdapter):
    """Connections from one loopback address: one client, as the balancer sees it."""

    def __init__(self, address: str) -> None:
        self.address = address
        super().__init__()

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        kwargs["source_address"] = (self.address, 0)
        super().init_poolmanager(*args, **kwargs)


def client_at(address: str) -> requests.Session:
    session = requests.Session()
    session.mount("http://", FromAddress(address))
    return session


@pytest.mark.parametrize(
    "method, path",
    [
        ("GET", "/webhooks/paypal/return?token=not-an-order"),
        ("POST", "/webhooks/paypal/webhook"),
        ("POST", "/webhooks/paypal/payment-requests"),
    ],
)
def test_a_strangers_failures_lock_out_that_stranger_only_on_every_replica(
    cluster: Cluster, method: str, path: str
) -> None:
    """Through HAProxy: limits are per client address (not per proxy), a forged
    X-Forwarded-For changes nothing, and both replicas count together (Redis)."""
    stranger, buyer = client_at("127.0.0.2"), client_at("127.0.0.3")
    url = cluster.rasa_url + path
    statuses = [
        stranger.request(method, url, json={}, headers={"X-Forwarded-For": f"198.51.100.{n}"}, timeout=30).status_code
        for n in range(40)
    ]
    # the failure budget is 10 a minute, counted once over both replicas behind round robin
    assert 429 not in statuses[:10] and set(statuses[10:]) == {429}, statuses
    assert buyer.request(method, url, json={}, timeout=30).status_code != 429


def test_a_forged_paypal_webhook_flood_through_the_balancer_costs_ten_verifications(cluster: Cluster) -> None:
    """The flood as PayPal's address would see it: through HAProxy, spread over both
    replicas by round robin, and still 10 calls to PayPal's verify API at the most."""
    from tests.integration.test_attacks import SIGNATURE_HEADERS

    stats = lambda: requests.get(f"{cluster.paypal_url}/_sandbox/stats", timeout=5).json()["counters"]  # noqa: E731
    before = stats().get("webhook_verifications", 0)
    flooder = client_at("127.0.0.4")
    statuses: Dict[int, int] = {}
    for number in range(60):
        event = {
            "id": f"WH-FLOOD-{number}",
            "event_type": "CHECKOUT.ORDER.APPROVED",
            "resource": {"id": "5O190127TN364715T"},
        }
        answer = flooder.post(
            f"{cluster.rasa_url}/webhooks/paypal/webhook", json=event, headers=SIGNATURE_HEADERS, timeout=30
        )
        statuses[answer.status_code] = statuses.get(answer.status_code, 0) + 1
    assert set(statuses) <= {401, 429} and statuses.get(429, 0) >= 50, statuses
    assert stats().get("webhook_verifications", 0) - before <= 10
