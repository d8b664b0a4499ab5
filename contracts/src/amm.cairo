// A two-token constant-product pool (x * y = k, 0.3% fee). Swapping pulls the input token from
// the caller with `transfer_from` (the caller approves the pool first) and sends the output.
#[starknet::contract]
mod Amm {
    use array::ArrayTrait;
    use integer::{u256_from_felt252, U128IntoU256};
    use starknet::{ContractAddress, get_caller_address, get_contract_address};
    use traits::{Into, TryInto};
    use option::OptionTrait;

    #[starknet::interface]
    trait IERC20<TState> {
        fn transfer(ref self: TState, recipient: ContractAddress, amount: u256) -> bool;
        fn transfer_from(
            ref self: TState, sender: ContractAddress, recipient: ContractAddress, amount: u256
        ) -> bool;
    }

    #[storage]
    struct Storage {
        token0: ContractAddress,
        token1: ContractAddress,
        reserve0: u128,
        reserve1: u128,
    }

    #[event]
    #[derive(Drop, starknet::Event)]
    enum Event {
        Swap: Swap,
    }

    #[derive(Drop, starknet::Event)]
    struct Swap {
        trader: ContractAddress,
        token_in: ContractAddress,
        amount_in: u128,
        amount_out: u128,
    }

    #[constructor]
    fn constructor(
        ref self: ContractState,
        token0: ContractAddress,
        token1: ContractAddress,
        reserve0: u128,
        reserve1: u128
    ) {
        self.token0.write(token0);
        self.token1.write(token1);
        self.reserve0.write(reserve0);
        self.reserve1.write(reserve1);
    }

    #[external(v0)]
    fn get_reserves(self: @ContractState) -> (u128, u128) {
        (self.reserve0.read(), self.reserve1.read())
    }

    #[external(v0)]
    fn swap(
        ref self: ContractState, token_in: ContractAddress, amount_in: u128, min_amount_out: u128
    ) -> u128 {
        let token0 = self.token0.read();
        let token1 = self.token1.read();
        let zero_for_one = token_in == token0;
        assert(zero_for_one || token_in == token1, 'AMM: unknown token');
        let (reserve_in, reserve_out, token_out) = if zero_for_one {
            (self.reserve0.read(), self.reserve1.read(), token1)
        } else {
            (self.reserve1.read(), self.reserve0.read(), token0)
        };
        assert(amount_in > 0, 'AMM: zero input');
        let in_with_fee: u256 = amount_in.into() * 997_u128.into();
        let numerator: u256 = in_with_fee * reserve_out.into();
        let denominator: u256 = reserve_in.into() * 1000_u128.into() + in_with_fee;
        let out_u256 = numerator / denominator;
        let amount_out: u128 = out_u256.low;
        assert(amount_out >= min_amount_out, 'AMM: slippage');
        assert(amount_out < reserve_out, 'AMM: insufficient liquidity');

        let trader = get_caller_address();
        let pool = get_contract_address();
        IERC20Dispatcher { contract_address: token_in }
            .transfer_from(trader, pool, amount_in.into());
        IERC20Dispatcher { contract_address: token_out }.transfer(trader, amount_out.into());
        if zero_for_one {
            self.reserve0.write(reserve_in + amount_in);
            self.reserve1.write(reserve_out - amount_out);
        } else {
            self.reserve1.write(reserve_in + amount_in);
            self.reserve0.write(reserve_out - amount_out);
        }
        self.emit(Swap { trader, token_in, amount_in, amount_out });
        amount_out
    }
}
