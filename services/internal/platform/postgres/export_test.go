package postgres

// TxAttempts is how many times InTx runs a transaction at most.
const TxAttempts = txAttempts
