"""City scenarios built on sensing and analytics: barrier-free car parks (无杆停车) first."""
