package google

// Scope hints for the insufficient-scope message, per tool family.
const (
	needGmailRead  = "gmail.readonly (" + ScopeGmailReadonly + ")"
	needGmailDraft = "gmail.compose (" + ScopeGmailCompose + ")"
	needGmailSend  = "gmail.send or gmail.compose (" + ScopeGmailCompose + ")"
	needDriveRead  = "drive.readonly (" + ScopeDriveReadonly + ")"
	needDriveWrite = "drive.file (" + ScopeDriveFile + ")"
	needIdentity   = "gmail.readonly or drive.readonly"
)
