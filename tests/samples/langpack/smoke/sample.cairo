// Add.
fn add(a: felt252, b: felt252) -> felt252 {
    a + b
}

#[starknet::contract]
mod counter {
    fn inc(x: u32) -> u32 {
        x + 1
    }
}
