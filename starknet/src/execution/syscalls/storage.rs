//! `storage_read` and `storage_write`: the running contract's storage.

use starknet_api::state::StorageKey;
use starknet_types_core::felt::Felt;

use super::{revert, Outcome, ServeError};
use crate::execution::hints::SyscallHintProcessor;
use crate::execution::ExecError;
use crate::tx_state::WriteRefused;

impl SyscallHintProcessor<'_, '_, '_, '_, '_> {
    pub(in crate::execution) fn storage_read(
        &mut self,
        key: StorageKey,
    ) -> Result<Outcome, ServeError> {
        let value = self.state.storage_read(self.frame.storage_address, key)?;
        Ok(Outcome::Ok(vec![value.into()]))
    }

    pub(in crate::execution) fn storage_write(
        &mut self,
        key: StorageKey,
        value: Felt,
    ) -> Result<Outcome, ServeError> {
        match self
            .state
            .storage_write(self.frame.storage_address, key, value)
        {
            Ok(()) => Ok(Outcome::Ok(vec![])),
            Err(WriteRefused::Interrupted) => Err(ServeError::Stop(ExecError::Interrupted)),
            // The sequencer's balance is kept as a u256 (see `TxState`): a half above 2^128
            // cannot be stored, and an ERC20 never writes one.
            Err(WriteRefused::NotU128) => revert("Balance half is not a u128"),
        }
    }
}
