// An account contract: Stark-curve ECDSA signature over the transaction hash, multicall execute.
#[starknet::contract]
mod Account {
    use array::{ArrayTrait, SpanTrait};
    use box::BoxTrait;
    use ecdsa::check_ecdsa_signature;
    use option::OptionTrait;
    use starknet::account::Call;
    use starknet::{get_caller_address, get_tx_info, call_contract_syscall};
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
        let tx_info = get_tx_info().unbox();
        let signature = tx_info.signature;
        assert(signature.len() == 2, 'Account: bad signature length');
        assert(
            check_ecdsa_signature(
                tx_info.transaction_hash, self.public_key.read(), *signature.at(0), *signature.at(1)
            ),
            'Account: invalid signature'
        );
        starknet::VALIDATED
    }
}
