// A Cairo 0 contract that makes every deprecated syscall: starkstm's test contract for Cairo 0
// execution (compiled by `contracts/cairo0/build.sh` with cairo-lang 0.14.0.1's
// `starknet-compile-deprecated`). What the syscalls tell is written to storage, so the state
// diff shows it.
%lang starknet

from starkware.cairo.common.alloc import alloc
from starkware.cairo.common.cairo_builtins import HashBuiltin
from starkware.starknet.common.messages import send_message_to_l1
from starkware.starknet.common.syscalls import (
    DELEGATE_CALL_SELECTOR,
    DELEGATE_L1_HANDLER_SELECTOR,
    CallContract,
    CallContractRequest,
    call_contract,
    deploy,
    emit_event,
    get_block_number,
    get_block_timestamp,
    get_caller_address,
    get_contract_address,
    get_sequencer_address,
    get_tx_info,
    get_tx_signature,
    library_call,
    library_call_l1_handler,
    replace_class,
    storage_read,
    storage_write,
)

const INCREASE_SELECTOR = 0x9be09a9a955d79baeb70c3b225ab5090fb9bc543cf23547b9f095c38a27574;
const ON_L1_SELECTOR = 0x3f12c81cd0f3a506825a0787b78618d20aefe7e40f2aeb2e86329cef8ecf476;

// The library no longer has `delegate_call` and `delegate_l1_handler` (older Cairo 0 contracts
// still make them); these are written as the library writes `call_contract`.
func delegate_call{syscall_ptr: felt*}(
    contract_address: felt, function_selector: felt, calldata_size: felt, calldata: felt*
) -> (retdata_size: felt, retdata: felt*) {
    let syscall = [cast(syscall_ptr, CallContract*)];
    assert syscall.request = CallContractRequest(
        selector=DELEGATE_CALL_SELECTOR,
        contract_address=contract_address,
        function_selector=function_selector,
        calldata_size=calldata_size,
        calldata=calldata,
    );
    %{ syscall_handler.delegate_call(segments=segments, syscall_ptr=ids.syscall_ptr) %}
    let response = syscall.response;
    let syscall_ptr = syscall_ptr + CallContract.SIZE;
    return (retdata_size=response.retdata_size, retdata=response.retdata);
}

func delegate_l1_handler{syscall_ptr: felt*}(
    contract_address: felt, function_selector: felt, calldata_size: felt, calldata: felt*
) -> (retdata_size: felt, retdata: felt*) {
    let syscall = [cast(syscall_ptr, CallContract*)];
    assert syscall.request = CallContractRequest(
        selector=DELEGATE_L1_HANDLER_SELECTOR,
        contract_address=contract_address,
        function_selector=function_selector,
        calldata_size=calldata_size,
        calldata=calldata,
    );
    %{ syscall_handler.delegate_l1_handler(segments=segments, syscall_ptr=ids.syscall_ptr) %}
    let response = syscall.response;
    let syscall_ptr = syscall_ptr + CallContract.SIZE;
    return (retdata_size=response.retdata_size, retdata=response.retdata);
}

@storage_var
func counter() -> (value: felt) {
}

@constructor
func constructor{syscall_ptr: felt*, pedersen_ptr: HashBuiltin*, range_check_ptr}(
    initial: felt
) {
    counter.write(initial);
    return ();
}

// Adds `by` to the counter and returns the new value (with an event).
@external
func increase{syscall_ptr: felt*, pedersen_ptr: HashBuiltin*, range_check_ptr}(by: felt) -> (
    value: felt
) {
    let (value) = counter.read();
    counter.write(value + by);
    let (keys) = alloc();
    assert keys[0] = 'increased';
    let (data) = alloc();
    assert data[0] = value + by;
    emit_event(keys_len=1, keys=keys, data_len=1, data=data);
    return (value=value + by);
}

@view
func get{syscall_ptr: felt*, pedersen_ptr: HashBuiltin*, range_check_ptr}() -> (value: felt) {
    let (value) = counter.read();
    return (value=value);
}

// Writes what the information syscalls tell to keys 100 to 113.
@external
func record_info{syscall_ptr: felt*, range_check_ptr}() {
    let (caller) = get_caller_address();
    storage_write(address=100, value=caller);
    let (me) = get_contract_address();
    storage_write(address=101, value=me);
    let (sequencer) = get_sequencer_address();
    storage_write(address=102, value=sequencer);
    let (number) = get_block_number();
    storage_write(address=103, value=number);
    let (timestamp) = get_block_timestamp();
    storage_write(address=104, value=timestamp);
    let (info) = get_tx_info();
    storage_write(address=105, value=info.version);
    storage_write(address=106, value=info.account_contract_address);
    storage_write(address=107, value=info.max_fee);
    storage_write(address=108, value=info.signature_len);
    storage_write(address=109, value=info.transaction_hash);
    storage_write(address=110, value=info.chain_id);
    storage_write(address=111, value=info.nonce);
    let (signature_len, signature) = get_tx_signature();
    storage_write(address=112, value=signature_len);
    let (old) = storage_read(address=112);
    storage_write(address=113, value=old + signature[0]);
    return ();
}

// Calls `increase(by)` on `target` (Cairo 0 or Cairo 1) and returns its result.
@external
func call_increase{syscall_ptr: felt*, range_check_ptr}(target: felt, by: felt) -> (value: felt) {
    let (calldata) = alloc();
    assert calldata[0] = by;
    let (retdata_size, retdata) = call_contract(
        contract_address=target,
        function_selector=INCREASE_SELECTOR,
        calldata_size=1,
        calldata=calldata,
    );
    storage_write(address=200, value=retdata_size);
    return (value=retdata[0]);
}

// Runs `increase(by)` of `class_hash` on this contract's storage.
@external
func library_increase{syscall_ptr: felt*, range_check_ptr}(class_hash: felt, by: felt) -> (
    value: felt
) {
    let (calldata) = alloc();
    assert calldata[0] = by;
    let (retdata_size, retdata) = library_call(
        class_hash=class_hash,
        function_selector=INCREASE_SELECTOR,
        calldata_size=1,
        calldata=calldata,
    );
    return (value=retdata[0]);
}

// Runs `increase(by)` of the class deployed at `target` on this contract's storage.
@external
func delegate_increase{syscall_ptr: felt*, range_check_ptr}(target: felt, by: felt) -> (
    value: felt
) {
    let (calldata) = alloc();
    assert calldata[0] = by;
    let (retdata_size, retdata) = delegate_call(
        contract_address=target,
        function_selector=INCREASE_SELECTOR,
        calldata_size=1,
        calldata=calldata,
    );
    return (value=retdata[0]);
}

// Runs the L1 handler `on_l1` of `class_hash` (by library call) and of the class at `target`
// (by delegate call) on this contract's storage.
@external
func l1_handlers{syscall_ptr: felt*, range_check_ptr}(class_hash: felt, target: felt, amount: felt) {
    let (calldata) = alloc();
    assert calldata[0] = 0x1234;
    assert calldata[1] = amount;
    library_call_l1_handler(
        class_hash=class_hash,
        function_selector=ON_L1_SELECTOR,
        calldata_size=2,
        calldata=calldata,
    );
    delegate_l1_handler(
        contract_address=target,
        function_selector=ON_L1_SELECTOR,
        calldata_size=2,
        calldata=calldata,
    );
    return ();
}

// Deploys a contract of `class_hash` with constructor calldata `[initial]`.
@external
func deploy_probe{syscall_ptr: felt*, range_check_ptr}(
    class_hash: felt, salt: felt, initial: felt, from_zero: felt
) -> (address: felt) {
    let (calldata) = alloc();
    assert calldata[0] = initial;
    let (address) = deploy(
        class_hash=class_hash,
        contract_address_salt=salt,
        constructor_calldata_size=1,
        constructor_calldata=calldata,
        deploy_from_zero=from_zero,
    );
    storage_write(address=300, value=address);
    return (address=address);
}

@external
func send_message{syscall_ptr: felt*, range_check_ptr}(to: felt, a: felt, b: felt) {
    let (payload) = alloc();
    assert payload[0] = a;
    assert payload[1] = b;
    send_message_to_l1(to_address=to, payload_size=2, payload=payload);
    return ();
}

@external
func upgrade{syscall_ptr: felt*, range_check_ptr}(class_hash: felt) {
    replace_class(class_hash=class_hash);
    return ();
}

// Fails (the transaction reverts).
@external
func fail{syscall_ptr: felt*, range_check_ptr}() {
    with_attr error_message("probe: asked to fail") {
        assert 1 = 0;
    }
    return ();
}

@l1_handler
func on_l1{syscall_ptr: felt*, pedersen_ptr: HashBuiltin*, range_check_ptr}(
    from_address: felt, amount: felt
) {
    let (value) = counter.read();
    counter.write(value + amount);
    storage_write(address=400, value=from_address);
    return ();
}
