//! `emit_event` and `send_message_to_l1`: what a transaction tells the world.

use starknet_types_core::felt::Felt;

use super::{fatal, Outcome, ServeError};
use crate::execution::hints::SyscallHintProcessor;
use crate::receipt::{Event, L2ToL1Message};

/// Ethereum addresses are 160 bits.
const ETH_ADDRESS_BITS: usize = 160;

impl SyscallHintProcessor<'_, '_, '_, '_, '_> {
    pub(in crate::execution) fn emit_event(
        &mut self,
        keys: Vec<Felt>,
        data: Vec<Felt>,
    ) -> Result<Outcome, ServeError> {
        let limits = self.ctx.constants.event_limits;
        let n = self.ctx.events.len() - self.ctx.phase_events + 1;
        if n > limits.max_n_emitted_events {
            return Err(fatal(format!(
                "Exceeded the maximum number of events, number events: {n}, max number events: {}.",
                limits.max_n_emitted_events
            )));
        }
        if keys.len() > limits.max_keys_length {
            return Err(fatal(format!(
                "Exceeded the maximum keys length, keys length: {}, max keys length: {}.",
                keys.len(),
                limits.max_keys_length
            )));
        }
        if data.len() > limits.max_data_length {
            return Err(fatal(format!(
                "Exceeded the maximum data length, data length: {}, max data length: {}.",
                data.len(),
                limits.max_data_length
            )));
        }
        self.ctx.event_depths.push(self.ctx.depth);
        self.ctx.events.push(Event {
            from_address: self.frame.storage_address,
            keys,
            data,
        });
        Ok(Outcome::Ok(vec![]))
    }

    pub(in crate::execution) fn send_message(
        &mut self,
        to_address: Felt,
        payload: Vec<Felt>,
    ) -> Result<Outcome, ServeError> {
        if to_address.bits() > ETH_ADDRESS_BITS {
            return Err(fatal(format!(
                "{to_address:#x} is out of range for an Ethereum address"
            )));
        }
        self.ctx.messages.push(L2ToL1Message {
            from_address: self.frame.storage_address,
            to_address,
            payload,
        });
        Ok(Outcome::Ok(vec![]))
    }
}
