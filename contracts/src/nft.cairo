// A minimal NFT collection: anyone may mint a token id that is still free (independent mints),
// or the next id from a shared counter (a hot key by construction).
#[starknet::contract]
mod Nft {
    use starknet::{ContractAddress, get_caller_address};
    use zeroable::Zeroable;

    #[storage]
    struct Storage {
        owners: LegacyMap<u256, ContractAddress>,
        balances: LegacyMap<ContractAddress, u256>,
        next_token_id: u256,
        minted: u256,
    }

    #[event]
    #[derive(Drop, starknet::Event)]
    enum Event {
        Transfer: Transfer,
    }

    #[derive(Drop, starknet::Event)]
    struct Transfer {
        from: ContractAddress,
        to: ContractAddress,
        token_id: u256,
    }

    #[external(v0)]
    fn owner_of(self: @ContractState, token_id: u256) -> ContractAddress {
        let owner = self.owners.read(token_id);
        assert(!owner.is_zero(), 'NFT: no such token');
        owner
    }

    #[external(v0)]
    fn balance_of(self: @ContractState, account: ContractAddress) -> u256 {
        self.balances.read(account)
    }

    #[external(v0)]
    fn mint(ref self: ContractState, to: ContractAddress, token_id: u256) {
        mint_helper(ref self, to, token_id);
    }

    #[external(v0)]
    fn mint_next(ref self: ContractState, to: ContractAddress) -> u256 {
        let token_id = self.next_token_id.read() + 1;
        self.next_token_id.write(token_id);
        mint_helper(ref self, to, token_id);
        token_id
    }

    #[external(v0)]
    fn transfer(ref self: ContractState, to: ContractAddress, token_id: u256) {
        let from = get_caller_address();
        assert(self.owners.read(token_id) == from, 'NFT: not the owner');
        assert(!to.is_zero(), 'NFT: transfer to 0');
        self.owners.write(token_id, to);
        self.balances.write(from, self.balances.read(from) - 1);
        self.balances.write(to, self.balances.read(to) + 1);
        self.emit(Transfer { from, to, token_id });
    }

    fn mint_helper(ref self: ContractState, to: ContractAddress, token_id: u256) {
        assert(!to.is_zero(), 'NFT: mint to 0');
        assert(self.owners.read(token_id).is_zero(), 'NFT: already minted');
        self.owners.write(token_id, to);
        self.balances.write(to, self.balances.read(to) + 1);
        self.emit(Transfer { from: Zeroable::zero(), to, token_id });
    }
}
