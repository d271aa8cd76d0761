"""The JSON-RPC methods served by the node, as functions of (chain, params)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from eth.abc import SignedTransactionAPI
from eth.exceptions import Revert, VMError
from eth.vm.forks.london.blocks import LondonBlockHeader
from eth.vm.forks.london.headers import calculate_expected_base_fee_per_gas
from eth.vm.spoof import SpoofTransaction
from eth_abi.abi import decode as abi_decode
from eth_typing import Address, BlockNumber
from eth_utils.exceptions import ValidationError

from ledger_client.node import formatting as fmt
from ledger_client.node.durable import DurableChain
from ledger_client.node.errors import NodeFailedError, TransactionRejectedError
from ledger_client.node.logindex import LogFilter
from ledger_client.node.params import (
    BlockId,
    CallRequest,
    expect_params,
    parse_address,
    parse_addresses,
    parse_block_id,
    parse_bool,
    parse_call_request,
    parse_data,
    parse_hash,
    parse_quantity,
    parse_topics,
)
from ledger_client.node.protocol import EXECUTION_REVERTED, SERVER_ERROR, RpcError, invalid_params

CLIENT_VERSION = "aeo-ledger-node/1.0/py-evm"
PRIORITY_FEE = 10**9
"""The priority fee suggested by ``eth_maxPriorityFeePerGas`` (1 gwei, as Hardhat)."""
MAX_LOG_RESULTS = 100_000
ERROR_SELECTOR = bytes.fromhex("08c379a0")

Method = Callable[[DurableChain, Any], Any]


def _resolve(chain: DurableChain, block: BlockId) -> int | None:
    """Block number for ``block`` (None = pending state)."""
    head = chain.head_number()
    if block == "pending":
        return None
    if block == "earliest":
        return 0
    if isinstance(block, str):
        return head
    if block > head:
        raise RpcError(SERVER_ERROR, f"header not found: block {block} is beyond head {head}")
    return block


def _revert_error(output: bytes) -> RpcError:
    reason = None
    if output[:4] == ERROR_SELECTOR:
        try:
            (reason,) = abi_decode(["string"], output[4:])
        except Exception:  # malformed Error(string) payload: keep the raw data
            reason = None
    message = "execution reverted" + (f": {reason}" if reason else "")
    return RpcError(EXECUTION_REVERTED, message, fmt.data(output))


def _spoof(chain: DurableChain, request: CallRequest, number: int | None) -> SignedTransactionAPI:
    with chain.reading() as evm:
        state = chain.state_at(number)
        header = (
            evm.get_canonical_head()
            if number is None
            else (evm.get_canonical_block_header_by_number(BlockNumber(number)))
        )
        nonce = state.get_nonce(Address(request.sender)) if request.nonce is None else request.nonce
        vm = evm.get_vm(header)
        unsigned = vm.create_unsigned_transaction(
            nonce=nonce,
            gas_price=0,
            gas=request.gas if request.gas is not None else header.gas_limit,
            to=Address(request.to),
            value=request.value,
            data=request.data,
        )
        return cast(SignedTransactionAPI, SpoofTransaction(unsigned, from_=Address(request.sender)))


def eth_chain_id(chain: DurableChain, params: Any) -> str:
    expect_params(params, 0, 0)
    return fmt.quantity(chain.config.chain_id)


def net_version(chain: DurableChain, params: Any) -> str:
    expect_params(params, 0, 0)
    return str(chain.config.chain_id)


def web3_client_version(chain: DurableChain, params: Any) -> str:
    expect_params(params, 0, 0)
    return CLIENT_VERSION


def eth_block_number(chain: DurableChain, params: Any) -> str:
    expect_params(params, 0, 0)
    return fmt.quantity(chain.head_number())


def eth_get_block_by_number(chain: DurableChain, params: Any) -> Any:
    values = expect_params(params, 1, 2)
    block_id = parse_block_id(values[0])
    full = parse_bool(values[1], "full") if len(values) > 1 else False
    with chain.reading():
        number = _resolve_lenient(chain, block_id)
        block = chain.block_by_number(number)
        return None if block is None else fmt.format_block(block, full)


def _resolve_lenient(chain: DurableChain, block_id: BlockId) -> int:
    if isinstance(block_id, int):
        return block_id
    return 0 if block_id == "earliest" else chain.head_number()


def eth_get_block_by_hash(chain: DurableChain, params: Any) -> Any:
    values = expect_params(params, 1, 2)
    block_hash = parse_hash(values[0], "block hash")
    full = parse_bool(values[1], "full") if len(values) > 1 else False
    with chain.reading():
        block = chain.block_by_hash(block_hash)
        return None if block is None else fmt.format_block(block, full)


def eth_get_transaction_by_hash(chain: DurableChain, params: Any) -> Any:
    (value,) = expect_params(params, 1, 1)
    with chain.reading():
        location = chain.find_transaction(parse_hash(value, "transaction hash"))
        if location is None:
            return None
        return fmt.format_transaction(location.transaction, location.block, location.index)


def eth_get_transaction_receipt(chain: DurableChain, params: Any) -> Any:
    (value,) = expect_params(params, 1, 1)
    with chain.reading():
        location = chain.find_transaction(parse_hash(value, "transaction hash"))
        if location is None or location.block is None:
            return None
        receipts = chain.receipts(location.block)
        return fmt.format_receipt(location.block, receipts, location.index)


def _account_query(params: Any) -> tuple[bytes, BlockId]:
    values = expect_params(params, 1, 2)
    account = parse_address(values[0])
    return account, parse_block_id(values[1]) if len(values) > 1 else "latest"


def eth_get_transaction_count(chain: DurableChain, params: Any) -> str:
    account, block_id = _account_query(params)
    with chain.reading():
        return fmt.quantity(chain.state_at(_resolve(chain, block_id)).get_nonce(Address(account)))


def eth_get_balance(chain: DurableChain, params: Any) -> str:
    account, block_id = _account_query(params)
    with chain.reading():
        return fmt.quantity(chain.state_at(_resolve(chain, block_id)).get_balance(Address(account)))


def eth_get_code(chain: DurableChain, params: Any) -> str:
    account, block_id = _account_query(params)
    with chain.reading():
        return fmt.data(chain.state_at(_resolve(chain, block_id)).get_code(Address(account)))


def eth_get_storage_at(chain: DurableChain, params: Any) -> str:
    values = expect_params(params, 2, 3)
    account = parse_address(values[0])
    slot = parse_quantity(values[1], "slot")
    block_id = parse_block_id(values[2]) if len(values) > 2 else "latest"
    with chain.reading():
        value = chain.state_at(_resolve(chain, block_id)).get_storage(Address(account), slot)
        return fmt.data(value.to_bytes(32, "big"))


def eth_send_raw_transaction(chain: DurableChain, params: Any) -> str:
    (value,) = expect_params(params, 1, 1)
    raw = parse_data(value, "transaction")
    if not raw:
        raise invalid_params("transaction must not be empty")
    try:
        return fmt.data(chain.send_raw_transaction(raw))
    except TransactionRejectedError as exc:
        raise RpcError(SERVER_ERROR, str(exc)) from exc
    except NodeFailedError as exc:
        raise RpcError(SERVER_ERROR, str(exc)) from exc


def _call_args(chain: DurableChain, params: Any) -> tuple[CallRequest, int | None]:
    values = expect_params(params, 1, 3)
    request = parse_call_request(values[0])
    block_id = parse_block_id(values[1]) if len(values) > 1 else "latest"
    number = _resolve(chain, block_id)
    return request, chain.head_number() if number is None else number


def _execute(chain: DurableChain, params: Any, run: Callable[[Any, Any, Any], Any], what: str) -> Any:
    """Run a call request against a block's state: the shared body of eth_call and eth_estimateGas."""
    with chain.reading() as evm:
        request, number = _call_args(chain, params)
        transaction = _spoof(chain, request, number)
        assert number is not None
        header = evm.get_canonical_block_header_by_number(BlockNumber(number))
        try:
            return run(evm, transaction, header)
        except Revert as exc:
            raise _revert_error(bytes(exc.args[0]) if exc.args else b"") from exc
        except (VMError, ValidationError) as exc:
            raise RpcError(SERVER_ERROR, f"{what} failed: {exc!r}") from exc


def eth_call(chain: DurableChain, params: Any) -> str:
    return fmt.data(
        _execute(chain, params, lambda evm, tx, header: evm.get_transaction_result(tx, header), "execution")
    )


def eth_estimate_gas(chain: DurableChain, params: Any) -> str:
    return fmt.quantity(_execute(chain, params, lambda evm, tx, header: evm.estimate_gas(tx, header), "gas estimation"))


def eth_get_logs(chain: DurableChain, params: Any) -> list[Any]:
    (value,) = expect_params(params, 1, 1)
    if not isinstance(value, dict):
        raise invalid_params("filter must be an object")
    addresses = parse_addresses(value.get("address"))
    topics = parse_topics(value.get("topics"))
    with chain.reading():
        if value.get("blockHash") is not None:
            if "fromBlock" in value or "toBlock" in value:
                raise invalid_params("blockHash excludes fromBlock/toBlock")
            block = chain.block_by_hash(parse_hash(value["blockHash"], "blockHash"))
            if block is None:
                raise RpcError(SERVER_ERROR, "unknown block")
            low = high = int(block.number)
        else:
            low = _resolve_lenient(chain, parse_block_id(value.get("fromBlock", "latest")))
            high = _resolve_lenient(chain, parse_block_id(value.get("toBlock", "latest")))
            high = min(high, chain.head_number())
        matches = chain.logs(LogFilter(low, high, addresses, topics))
    if len(matches) > MAX_LOG_RESULTS:
        raise RpcError(SERVER_ERROR, f"query returned more than {MAX_LOG_RESULTS} results")
    return [fmt.format_log(match) for match in matches]


def _next_base_fee(chain: DurableChain) -> int:
    with chain.reading() as evm:
        head = evm.get_canonical_head()
        return int(calculate_expected_base_fee_per_gas(head))


def eth_gas_price(chain: DurableChain, params: Any) -> str:
    expect_params(params, 0, 0)
    return fmt.quantity(_next_base_fee(chain) + PRIORITY_FEE)


def eth_max_priority_fee_per_gas(chain: DurableChain, params: Any) -> str:
    expect_params(params, 0, 0)
    return fmt.quantity(PRIORITY_FEE)


def _percentiles(transactions: list[SignedTransactionAPI], base_fee: int, percentiles: list[float]) -> list[str]:
    fees = sorted(fmt.effective_gas_price(tx, base_fee) - base_fee for tx in transactions)
    if not fees:
        return [fmt.quantity(0) for _ in percentiles]
    return [fmt.quantity(fees[min(len(fees) - 1, int(len(fees) * p / 100))]) for p in percentiles]


def eth_fee_history(chain: DurableChain, params: Any) -> dict[str, Any]:
    values = expect_params(params, 2, 3)
    count = values[0] if isinstance(values[0], int) else parse_quantity(values[0], "blockCount")
    if not 1 <= count <= 1024:
        raise invalid_params("blockCount must be between 1 and 1024")
    percentiles: list[float] = []
    if len(values) > 2 and values[2] is not None:
        if not isinstance(values[2], list) or not all(isinstance(p, int | float) and 0 <= p <= 100 for p in values[2]):
            raise invalid_params("rewardPercentiles must be numbers between 0 and 100")
        percentiles = [float(p) for p in values[2]]
    with chain.reading():
        newest = _resolve_lenient(chain, parse_block_id(values[1], "newestBlock"))
        newest = min(newest, chain.head_number())
        oldest = max(0, newest - count + 1)
        base_fees: list[str] = []
        ratios: list[float] = []
        rewards: list[list[str]] = []
        header = None
        for number in range(oldest, newest + 1):
            block = chain.block_by_number(number)
            assert block is not None
            header = block.header
            base_fee = int(getattr(header, "base_fee_per_gas", 0) or 0)
            base_fees.append(fmt.quantity(base_fee))
            ratios.append(header.gas_used / header.gas_limit)
            if percentiles:
                rewards.append(_percentiles(list(block.transactions), base_fee, percentiles))
        assert header is not None
        if isinstance(header, LondonBlockHeader) or hasattr(header, "base_fee_per_gas"):
            base_fees.append(fmt.quantity(calculate_expected_base_fee_per_gas(header)))
    result: dict[str, Any] = {
        "oldestBlock": fmt.quantity(oldest),
        "baseFeePerGas": base_fees,
        "gasUsedRatio": ratios,
    }
    if percentiles:
        result["reward"] = rewards
    return result


def _number(value: Any, name: str) -> int:
    """A JSON number or a ``0x`` quantity."""
    return value if isinstance(value, int) else parse_quantity(value, name)


def _non_negative(params: Any, name: str) -> int:
    """The method's one parameter, a number that must not be negative."""
    (value,) = expect_params(params, 1, 1)
    number = _number(value, name)
    if number < 0:
        raise invalid_params(f"{name} must not be negative")
    return number


def evm_increase_time(chain: DurableChain, params: Any) -> str:
    return fmt.quantity(chain.increase_time(_non_negative(params, "seconds")))


def evm_set_next_block_timestamp(chain: DurableChain, params: Any) -> None:
    (value,) = expect_params(params, 1, 1)
    timestamp = _number(value, "timestamp")
    try:
        chain.set_next_block_timestamp(timestamp)
    except ValueError as exc:
        raise invalid_params(str(exc)) from exc


def evm_set_automine(chain: DurableChain, params: Any) -> bool:
    (value,) = expect_params(params, 1, 1)
    if not isinstance(value, bool):
        raise invalid_params("automine must be true or false")
    chain.set_automine(value)
    return True


def evm_set_time(chain: DurableChain, params: Any) -> str:
    return fmt.quantity(max(chain.set_time(_non_negative(params, "timestamp")), 0))


def evm_mine(chain: DurableChain, params: Any) -> str:
    values = expect_params(params, 0, 1)
    timestamp = None
    if values and values[0] is not None:
        value = values[0]
        timestamp = _number(value, "timestamp")
    try:
        chain.mine(timestamp)
    except ValueError as exc:
        raise invalid_params(str(exc)) from exc
    return "0x0"


def eth_accounts(chain: DurableChain, params: Any) -> list[str]:
    expect_params(params, 0, 0)
    return [account.address for account in chain.accounts]


def net_listening(chain: DurableChain, params: Any) -> bool:
    expect_params(params, 0, 0)
    return True


def eth_syncing(chain: DurableChain, params: Any) -> bool:
    expect_params(params, 0, 0)
    return False


METHODS: dict[str, Method] = {
    "eth_chainId": eth_chain_id,
    "net_version": net_version,
    "net_listening": net_listening,
    "web3_clientVersion": web3_client_version,
    "eth_syncing": eth_syncing,
    "eth_accounts": eth_accounts,
    "eth_blockNumber": eth_block_number,
    "eth_getBlockByNumber": eth_get_block_by_number,
    "eth_getBlockByHash": eth_get_block_by_hash,
    "eth_getTransactionByHash": eth_get_transaction_by_hash,
    "eth_getTransactionReceipt": eth_get_transaction_receipt,
    "eth_getTransactionCount": eth_get_transaction_count,
    "eth_getBalance": eth_get_balance,
    "eth_getCode": eth_get_code,
    "eth_getStorageAt": eth_get_storage_at,
    "eth_sendRawTransaction": eth_send_raw_transaction,
    "eth_call": eth_call,
    "eth_estimateGas": eth_estimate_gas,
    "eth_getLogs": eth_get_logs,
    "eth_gasPrice": eth_gas_price,
    "eth_maxPriorityFeePerGas": eth_max_priority_fee_per_gas,
    "eth_feeHistory": eth_fee_history,
    "evm_increaseTime": evm_increase_time,
    "evm_setNextBlockTimestamp": evm_set_next_block_timestamp,
    "evm_mine": evm_mine,
    "evm_setAutomine": evm_set_automine,
    "evm_setTime": evm_set_time,
}
"""Every served method by its JSON-RPC name."""
