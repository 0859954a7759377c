/** What one piece of agent-reported data says about anti-virus on a host. */
export interface AvObservation {
  /** Format the data was recognised as. */
  format:
    | 'clamscan-version'
    | 'sigtool-info'
    | 'freshclam-log'
    | 'defender-status'
    | 'mdatp-health'
    | 'osquery-security-center'
    | 'osquery-clamav-files';
  product: 'ClamAV' | 'Microsoft Defender' | 'Windows Security Center';
  engineVersion?: string;
  signatureVersion?: string;
  /** When the newest signatures were built or installed. */
  signatureTime?: Date;
  /** Successful update runs (a new database installed, or the database found up to date). */
  updateRuns?: Date[];
  /** Earliest entry in the history, to say how far back it reaches. */
  historyStart?: Date;
  /** Latest dated entry in the history. */
  historyEnd?: Date;
  /** Set when the source holds an update history that cannot be placed in time, and why. */
  historyProblem?: string;
  engineRunning?: boolean;
  realTimeProtection?: boolean;
  /** Set when the source can say AV is present but cannot show how old its signatures are. */
  cannotShowAge?: string;
  /**
   * The source printed local times without a zone and the host's UTC offset was not given: its dates
   * (signatureTime, updateRuns, historyStart, historyEnd) were read as UTC and may be off by -14 h to +12 h.
   */
  offsetUnknown?: boolean;
  /** Notes for the evidence (time zones assumed, and so on). */
  notes: string[];
}
