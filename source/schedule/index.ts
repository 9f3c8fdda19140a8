export {
  describeSchedule,
  type Frequency,
  parseSchedule,
  readSchedule,
  type Schedule,
  type ScheduleChange,
  type ScheduleState,
  schedules,
  setSchedule,
  wrapperName,
} from './schedule.ts';
