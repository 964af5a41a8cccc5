"""Online services (线上审批, 互联网+政务服务): a catalogue of services and applications on a working-day clock."""
