// An ERC20 token; the fee token is one. Balances are u256 in two consecutive storage slots.
#[starknet::contract]
mod ERC20 {
    use integer::BoundedInt;
    use starknet::{ContractAddress, get_caller_address};
    use zeroable::Zeroable;

    #[storage]
    struct Storage {
        token_name: felt252,
        token_symbol: felt252,
        token_decimals: u8,
        token_total_supply: u256,
        ERC20_balances: LegacyMap<ContractAddress, u256>,
        allowances: LegacyMap<(ContractAddress, ContractAddress), u256>,
    }

    #[event]
    #[derive(Drop, starknet::Event)]
    enum Event {
        Transfer: Transfer,
        Approval: Approval,
    }

    #[derive(Drop, starknet::Event)]
    struct Transfer {
        from: ContractAddress,
        to: ContractAddress,
        value: u256,
    }

    #[derive(Drop, starknet::Event)]
    struct Approval {
        owner: ContractAddress,
        spender: ContractAddress,
        value: u256,
    }

    #[constructor]
    fn constructor(
        ref self: ContractState,
        name: felt252,
        symbol: felt252,
        decimals: u8,
        initial_supply: u256,
        recipient: ContractAddress
    ) {
        self.token_name.write(name);
        self.token_symbol.write(symbol);
        self.token_decimals.write(decimals);
        self.token_total_supply.write(initial_supply);
        self.ERC20_balances.write(recipient, initial_supply);
        self.emit(Transfer { from: Zeroable::zero(), to: recipient, value: initial_supply });
    }

    #[external(v0)]
    fn name(self: @ContractState) -> felt252 {
        self.token_name.read()
    }

    #[external(v0)]
    fn symbol(self: @ContractState) -> felt252 {
        self.token_symbol.read()
    }

    #[external(v0)]
    fn decimals(self: @ContractState) -> u8 {
        self.token_decimals.read()
    }

    #[external(v0)]
    fn total_supply(self: @ContractState) -> u256 {
        self.token_total_supply.read()
    }

    #[external(v0)]
    fn balance_of(self: @ContractState, account: ContractAddress) -> u256 {
        self.ERC20_balances.read(account)
    }

    #[external(v0)]
    fn allowance(self: @ContractState, owner: ContractAddress, spender: ContractAddress) -> u256 {
        self.allowances.read((owner, spender))
    }

    #[external(v0)]
    fn transfer(ref self: ContractState, recipient: ContractAddress, amount: u256) -> bool {
        let sender = get_caller_address();
        transfer_helper(ref self, sender, recipient, amount);
        true
    }

    #[external(v0)]
    fn transfer_from(
        ref self: ContractState, sender: ContractAddress, recipient: ContractAddress, amount: u256
    ) -> bool {
        let caller = get_caller_address();
        let allowed = self.allowances.read((sender, caller));
        if allowed != BoundedInt::max() {
            assert(allowed >= amount, 'ERC20: insufficient allowance');
            self.allowances.write((sender, caller), allowed - amount);
        }
        transfer_helper(ref self, sender, recipient, amount);
        true
    }

    #[external(v0)]
    fn approve(ref self: ContractState, spender: ContractAddress, amount: u256) -> bool {
        let owner = get_caller_address();
        self.allowances.write((owner, spender), amount);
        self.emit(Approval { owner, spender, value: amount });
        true
    }

    fn transfer_helper(
        ref self: ContractState, sender: ContractAddress, recipient: ContractAddress, amount: u256
    ) {
        assert(!recipient.is_zero(), 'ERC20: transfer to 0');
        let sender_balance = self.ERC20_balances.read(sender);
        assert(sender_balance >= amount, 'ERC20: insufficient balance');
        self.ERC20_balances.write(sender, sender_balance - amount);
        self.ERC20_balances.write(recipient, self.ERC20_balances.read(recipient) + amount);
        self.emit(Transfer { from: sender, to: recipient, value: amount });
    }
}
