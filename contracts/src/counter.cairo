// A counter, and a test bench for the syscalls: nested calls that fail and are caught, library
// calls, deploys, class replacement, L2->L1 messages, block hashes, keccak, and a loop that
// runs out of gas.
#[starknet::contract]
mod Counter {
    use array::{ArrayTrait, SpanTrait};
    use starknet::{
        ContractAddress, ClassHash, call_contract_syscall, deploy_syscall,
        library_call_syscall, replace_class_syscall, send_message_to_l1_syscall,
        get_block_hash_syscall, get_caller_address, get_contract_address
    };
    use starknet::syscalls::keccak_syscall;
    use traits::Into;
    use option::OptionTrait;

    #[storage]
    struct Storage {
        value: felt252,
        caught_count: felt252,
    }

    #[event]
    #[derive(Drop, starknet::Event)]
    enum Event {
        Increased: Increased,
    }

    #[derive(Drop, starknet::Event)]
    struct Increased {
        by: ContractAddress,
        value: felt252,
    }

    #[constructor]
    fn constructor(ref self: ContractState, initial: felt252) {
        self.value.write(initial);
    }

    #[external(v0)]
    fn increase(ref self: ContractState, amount: felt252) -> felt252 {
        let value = self.value.read() + amount;
        self.value.write(value);
        self.emit(Increased { by: get_caller_address(), value });
        value
    }

    #[external(v0)]
    fn get(self: @ContractState) -> felt252 {
        self.value.read()
    }

    #[external(v0)]
    fn caught(self: @ContractState) -> felt252 {
        self.caught_count.read()
    }

    // Writes, then fails: the write must not survive.
    #[external(v0)]
    fn increase_then_fail(ref self: ContractState, amount: felt252) {
        self.value.write(self.value.read() + amount);
        panic_with_felt252('Counter: failed on purpose');
    }

    // Loops `n` times, writing each time: a large `n` runs out of gas (or steps).
    #[external(v0)]
    fn spin(ref self: ContractState, n: felt252) {
        let mut i: felt252 = 0;
        loop {
            if i == n {
                break;
            }
            i = i + 1;
            self.value.write(i);
        };
    }

    // Calls `selector` on `target`; a failure is caught and counted instead of propagated.
    #[external(v0)]
    fn call_and_catch(
        ref self: ContractState, target: ContractAddress, selector: felt252, calldata: Array<felt252>
    ) -> felt252 {
        match call_contract_syscall(target, selector, calldata.span()) {
            Result::Ok(_) => 1,
            Result::Err(_) => {
                self.caught_count.write(self.caught_count.read() + 1);
                0
            },
        }
    }

    #[external(v0)]
    fn library_call(
        ref self: ContractState, class_hash: ClassHash, selector: felt252, amount: felt252
    ) -> felt252 {
        let mut calldata = ArrayTrait::new();
        calldata.append(amount);
        let ret = library_call_syscall(class_hash, selector, calldata.span())
            .unwrap_syscall();
        *ret.at(0)
    }

    #[external(v0)]
    fn deploy_counter(
        ref self: ContractState, class_hash: ClassHash, salt: felt252, initial: felt252
    ) -> ContractAddress {
        let mut calldata = ArrayTrait::new();
        calldata.append(initial);
        let (address, _) = deploy_syscall(class_hash, salt, calldata.span(), false)
            .unwrap_syscall();
        address
    }

    #[external(v0)]
    fn upgrade(ref self: ContractState, class_hash: ClassHash) {
        replace_class_syscall(class_hash).unwrap_syscall();
    }

    #[external(v0)]
    fn send_message(ref self: ContractState, to_address: felt252, payload: Array<felt252>) {
        send_message_to_l1_syscall(to_address, payload.span()).unwrap_syscall();
    }

    // Stores the hash of block `block_number` in `value`.
    #[external(v0)]
    fn store_block_hash(ref self: ContractState, block_number: u64) {
        self.value.write(get_block_hash_syscall(block_number).unwrap_syscall());
    }

    // Stores the low 128 bits of keccak(input) in `value` and the high in `caught_count`.
    #[external(v0)]
    fn store_keccak(ref self: ContractState, input: Array<u64>) {
        let hash = keccak_syscall(input.span()).unwrap_syscall();
        self.value.write(hash.low.into());
        self.caught_count.write(hash.high.into());
    }

    // Uses a syscall starkstm does not serve (secp256k1): the call fails with a clear reason.
    #[external(v0)]
    fn secp256k1_point(self: @ContractState, x: u256, y: u256) -> bool {
        starknet::secp256k1::secp256k1_new_syscall(x, y).unwrap_syscall().is_some()
    }

    // Stores this contract's address in `value` and its caller's in `caught_count`.
    #[external(v0)]
    fn store_whoami(ref self: ContractState) {
        self.value.write(get_contract_address().into());
        self.caught_count.write(get_caller_address().into());
    }

    #[l1_handler]
    fn deposit(ref self: ContractState, from_address: felt252, amount: felt252) {
        self.value.write(self.value.read() + amount);
    }
}
