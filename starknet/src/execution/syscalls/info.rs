//! `get_execution_info` and `get_block_hash`: what a contract may know of its block and
//! transaction.

use cairo_vm::types::relocatable::{MaybeRelocatable, Relocatable};
use cairo_vm::vm::vm_core::VirtualMachine;
use starknet_api::core::{ContractAddress, PatriciaKey};
use starknet_api::state::StorageKey;
use starknet_types_core::felt::Felt;

use super::{fatal, revert, Outcome, ServeError};
use crate::execution::hints::SyscallHintProcessor;

/// The resource name of L1 data gas in the execution info's bounds.
const L1_DATA: Felt = Felt::from_hex_unchecked("0x4c315f44415441");

impl SyscallHintProcessor<'_, '_, '_, '_, '_> {
    /// Writes the execution info once per call (every part a segment the code reads) and
    /// returns a pointer to it.
    pub(super) fn execution_info(
        &mut self,
        vm: &mut VirtualMachine,
    ) -> Result<Relocatable, ServeError> {
        if let Some(ptr) = self.exec_info {
            return Ok(ptr);
        }
        let (block, c) = (self.ctx.block, self.ctx.constants);
        let (number, timestamp, sequencer) = if self.ctx.validate_mode {
            let round = |v: u64, to: u64| v.checked_div(to).map_or(v, |q| q * to);
            (
                round(block.block_number, c.validate_block_number_rounding),
                round(block.block_timestamp, c.validate_timestamp_rounding),
                Felt::ZERO,
            )
        } else {
            (
                block.block_number,
                block.block_timestamp,
                *block.sequencer.0.key(),
            )
        };
        let block_info = self.read_only_block(
            vm,
            &[
                Felt::from(number).into(),
                Felt::from(timestamp).into(),
                sequencer.into(),
            ],
        )?;
        let tx = self.ctx.tx.clone();
        let signature = self.read_only_span(vm, &tx.signature)?;
        let mut fields: Vec<MaybeRelocatable> = Vec::with_capacity(19);
        if tx.deprecated {
            fields.extend([tx.version.into(), tx.account.into(), Felt::ZERO.into()]);
            fields.extend(signature);
            fields.extend([
                tx.hash.into(),
                block.chain_id_felt().into(),
                tx.nonce.into(),
            ]);
            fields.extend(std::iter::repeat_n(MaybeRelocatable::from(Felt::ZERO), 11));
        } else {
            let class = self.class_hash.0;
            let tip = tx.tip;
            let v1_bound = tx.version == Felt::THREE
                && c.v1_bound_accounts_cairo1.contains(&class)
                && tip <= Felt::from(c.v1_bound_accounts_max_tip);
            let version = if v1_bound { Felt::ONE } else { tx.version };
            let hide_data_gas = tx.version == Felt::THREE && c.data_gas_accounts.contains(&class);
            let bounds: Vec<Felt> = tx
                .resource_bounds
                .iter()
                .filter(|(name, ..)| !(hide_data_gas && *name == L1_DATA))
                .flat_map(|(name, amount, price)| [*name, *amount, *price])
                .collect();
            let bounds = self.read_only_span(vm, &bounds)?;
            let paymaster = self.read_only_span(vm, &tx.paymaster_data)?;
            let deployment = self.read_only_span(vm, &tx.account_deployment_data)?;
            let proof_facts = self.read_only_span(vm, &tx.proof_facts)?;
            fields.extend([version.into(), tx.account.into(), Felt::ZERO.into()]);
            fields.extend(signature);
            fields.extend([
                tx.hash.into(),
                block.chain_id_felt().into(),
                tx.nonce.into(),
            ]);
            fields.extend(bounds);
            fields.push(tip.into());
            fields.extend(paymaster);
            fields.extend([tx.nonce_da.into(), tx.fee_da.into()]);
            fields.extend(deployment);
            fields.extend(proof_facts);
        }
        let tx_info = self.read_only_block(vm, &fields)?;
        let info = self.read_only_block(
            vm,
            &[
                block_info.into(),
                tx_info.into(),
                (*self.frame.caller.0.key()).into(),
                (*self.frame.storage_address.0.key()).into(),
                self.frame.selector.into(),
            ],
        )?;
        self.exec_info = Some(info);
        Ok(info)
    }

    fn read_only_block(
        &mut self,
        vm: &mut VirtualMachine,
        cells: &[MaybeRelocatable],
    ) -> Result<Relocatable, ServeError> {
        let start = vm.add_memory_segment();
        vm.load_data(start, cells)?;
        self.read_only.push((start, cells.len()));
        Ok(start)
    }

    pub(super) fn get_block_hash(&mut self, number: u64) -> Result<Outcome, ServeError> {
        let c = self.ctx.constants;
        let current = self.ctx.block.block_number;
        let buffer = c.stored_block_hash_buffer;
        if current < buffer || number > current - buffer {
            if self.ctx.validate_mode {
                return Err(fatal(
                    "Unauthorized syscall get_block_hash on recent blocks in execution mode Validate.",
                ));
            }
            return revert("Block number out of range");
        }
        let contract = ContractAddress(
            PatriciaKey::try_from(Felt::from(c.block_hash_contract)).expect("0x1 is an address"),
        );
        let hash = self
            .state
            .storage_read(contract, StorageKey::from(number))?;
        Ok(Outcome::Ok(vec![hash.into()]))
    }
}
