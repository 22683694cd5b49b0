package app

// SetFanOutChunk makes an export's payment.processing events be written n a dispatch.
func (a *App) SetFanOutChunk(n int) { a.fanOutChunk = n }
