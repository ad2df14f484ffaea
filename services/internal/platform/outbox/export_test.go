package outbox

// WithAfterPublish returns o with the test hook that runs after JetStream
// acknowledged a batch and before the batch is marked published; an error
// from f stops Run there with that error, as a crash would.
func WithAfterPublish(o RelayOptions, f func() error) RelayOptions {
	o.afterPublish = f
	return o
}
