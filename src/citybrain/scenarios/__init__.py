"""City scenarios built on sensing and analytics: barrier-free car parks (无杆停车), right-turn blind zones (右转盲区)."""
