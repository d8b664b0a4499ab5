// An account that accepts every transaction (no signature check): the shape of Starknet's
// reference transfer benchmark, so the two engines can be compared on the same work.
#[starknet::contract]
mod AccountNoValidate {
    use array::{ArrayTrait, SpanTrait};
    use option::OptionTrait;
    use starknet::account::Call;
    use starknet::{get_caller_address, call_contract_syscall};
    use zeroable::Zeroable;

    #[storage]
    struct Storage {
        public_key: felt252,
    }

    #[constructor]
    fn constructor(ref self: ContractState, public_key: felt252) {
        self.public_key.write(public_key);
    }

    #[external(v0)]
    fn __validate__(self: @ContractState, calls: Array<Call>) -> felt252 {
        validate_transaction(self)
    }

    #[external(v0)]
    fn __validate_declare__(self: @ContractState, class_hash: felt252) -> felt252 {
        validate_transaction(self)
    }

    #[external(v0)]
    fn __validate_deploy__(
        self: @ContractState, class_hash: felt252, contract_address_salt: felt252, public_key: felt252
    ) -> felt252 {
        validate_transaction(self)
    }

    #[external(v0)]
    fn __execute__(ref self: ContractState, mut calls: Array<Call>) -> Array<Span<felt252>> {
        assert(get_caller_address().is_zero(), 'Account: invalid caller');
        let mut results = ArrayTrait::new();
        loop {
            match calls.pop_front() {
                Option::Some(call) => {
                    let ret = call_contract_syscall(call.to, call.selector, call.calldata.span())
                        .unwrap_syscall();
                    results.append(ret);
                },
                Option::None(_) => {
                    break;
                },
            };
        };
        results
    }

    #[external(v0)]
    fn get_public_key(self: @ContractState) -> felt252 {
        self.public_key.read()
    }

    fn validate_transaction(self: @ContractState) -> felt252 {
        starknet::VALIDATED
    }
}
